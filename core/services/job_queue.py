"""The line of jobs of one scope.

One job of a scope runs at a time (or waits, parked by the API budget); any
other request queues behind it, in order, and is handed to django-q only when
it is first in line: when the job ahead of it ends, whatever the end
(succeeded, failed, cancelled, declared dead). A request identical to one
already active (same kind, scope and params: two scheduled runs, two clicks on
*Sync all*) joins that job instead of queueing a second one.

The database keeps this true under races: a partial unique index lets one job
per scope be running or waiting, and another lets one identical request be
queued. A worker's claim also refuses a job with an older one queued ahead.
"""

from __future__ import annotations

import hashlib
import json
import logging
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django_q.tasks import async_task

from core.models import SyncJob

logger = logging.getLogger(__name__)


def job_request_key(*, kind: str, params: dict[str, Any]) -> str:
    """What identifies a request: two requests with one key ask for the same run."""
    canonical = json.dumps({"kind": kind, "params": params}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def job_identical_active(*, scope: str, request_key: str) -> SyncJob | None:
    """The newest active job that asked for exactly this (it covers the request)."""
    return (
        SyncJob.objects.filter(
            scope=scope, request_key=request_key, status__in=SyncJob.ACTIVE_STATUSES
        )
        .order_by("-pk")
        .first()
    )


def job_last_in_line(*, scope: str) -> SyncJob | None:
    """The job a new request of ``scope`` would wait behind, if any."""
    return (
        SyncJob.objects.filter(scope=scope, status__in=SyncJob.ACTIVE_STATUSES)
        .order_by("-pk")
        .first()
    )


def first_in_line() -> Q:
    """Queued jobs with no older queued job of their scope ahead of them."""
    ahead = SyncJob.objects.filter(
        scope=OuterRef("scope"), status=SyncJob.Status.QUEUED, pk__lt=OuterRef("pk")
    )
    return Q(status=SyncJob.Status.QUEUED) & ~Q(Exists(ahead))


def _enqueue(job_id: int) -> bool:
    try:
        async_task("core.tasks.run_job", job_id, task_name=f"syncjob-{job_id}")
    except Exception as exc:  # broker down: the job must not sit "queued" forever
        logger.exception("Could not queue job %s", job_id)
        SyncJob.objects.filter(pk=job_id, status=SyncJob.Status.QUEUED).update(
            status=SyncJob.Status.FAILED,
            error=f"Could not reach the job queue: {exc}",
            finished_at=timezone.now(),
        )
        return False
    return True


def job_queue_advance(*, scope: str, only: int | None = None) -> SyncJob | None:
    """Hand the first job in line of ``scope`` to django-q, unless one of it runs or waits
    (and only if it is job ``only``, when given).

    Safe to call any number of times: a job delivered twice is claimed once.
    """
    if SyncJob.objects.filter(scope=scope, status__in=SyncJob.HOLDING_STATUSES).exists():
        return None
    head = SyncJob.objects.filter(first_in_line(), scope=scope).order_by("pk").first()
    if head is None or (only is not None and head.pk != only) or not _enqueue(head.pk):
        return None
    return head


def job_queue_advance_on_commit(*, scope: str, only: int | None = None) -> None:
    """``job_queue_advance`` once the change that may move the line is committed (at once
    in autocommit): the end of a job, or a new one, which another process ending the job
    ahead of it may not have seen yet."""
    transaction.on_commit(partial(job_queue_advance, scope=scope, only=only))


def job_queues_advance() -> list[SyncJob]:
    """Every scope with jobs queued and none running: its first in line is handed over.

    The safety net of the per-minute watch, for a worker that died between ending
    a job and handing over the next.
    """
    scopes = (
        SyncJob.objects.filter(status=SyncJob.Status.QUEUED)
        .order_by()
        .values_list("scope", flat=True)
        .distinct()
    )
    return [head for scope in list(scopes) if (head := job_queue_advance(scope=scope))]
