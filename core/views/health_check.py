"""``/healthz``: what a load balancer or uptime monitor polls, without logging in."""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_q.brokers import get_broker

from core.database_busy import database_state
from core.models import SyncJob

logger = logging.getLogger(__name__)


def broker_ok() -> bool:
    """The django-q2 broker answers: Redis PINGs; the ORM broker reads its queue table."""
    try:
        broker = get_broker()
        # The ORM broker's ping() is always True; queue_size() really asks it.
        broker.queue_size()
        return bool(broker.ping())
    except Exception:
        logger.exception("Health check: the task broker did not answer.")
        return False


def last_successful_sync() -> str | None:
    finished = (
        SyncJob.objects.filter(status=SyncJob.Status.SUCCEEDED, finished_at__isnull=False)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    return finished.isoformat() if finished else None


@login_not_required
@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    database = database_state()
    broker = broker_ok()
    healthy = database == "ok" and broker
    return JsonResponse(
        {
            "status": "ok" if healthy else "unavailable",
            # "busy": it answers reads, but a job could not be started now
            "database": database,
            "broker": "ok" if broker else "unavailable",
            "last_successful_sync": last_successful_sync() if database != "unavailable" else None,
        },
        status=200 if healthy else 503,
    )
