"""``/metrics``: the figures of ``integrations.metrics`` for Prometheus, behind a bearer token."""

from __future__ import annotations

import hmac
import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from integrations.metrics import REGISTRY

log = logging.getLogger(__name__)


def _text(message: str, status: int) -> HttpResponse:
    return HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")


def _bearer(request: HttpRequest) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


@login_not_required
@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    expected = settings.METRICS_TOKEN
    if not expected:
        return _text("The /metrics endpoint is off: set METRICS_TOKEN to turn it on.", 404)
    given = _bearer(request)
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        response = _text("Send the METRICS_TOKEN as 'Authorization: Bearer <token>'.", 401)
        response["WWW-Authenticate"] = 'Bearer realm="syncadmin metrics"'
        return response
    try:
        body = generate_latest(REGISTRY)
    except DatabaseError:
        log.exception("metrics: the database did not answer")
        return _text("The database did not answer; no figures to report.", 503)
    # the classic text format every Prometheus version reads (our names are plain ASCII)
    return HttpResponse(body, content_type=CONTENT_TYPE_PLAIN_0_0_4)
