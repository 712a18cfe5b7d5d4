"""The Sync health page: open per-record errors by category, paused states, Reconcile's
findings, and retrying failed records."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from core.echo import echo
from core.models import SyncJob
from core.views.jobs import job_start_flash
from integrations.models.contacts import RecordError
from integrations.pages.health.services import (
    health_error_groups,
    health_paused_states,
    health_reconcile,
    health_retry,
)


@require_GET
def health(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "integrations/health.html",
        {
            "paused": health_paused_states(),
            "groups": health_error_groups(),
            "reconcile": health_reconcile(),
            "failed_jobs": SyncJob.objects.filter(status=SyncJob.Status.FAILED)[:5],
        },
    )


#: record ids are 64-bit integers: at most 19 digits
RECORD_ID_MAX_DIGITS = 19


def _is_record_id(value: str) -> bool:
    """ASCII digits that fit a 64-bit id (``isdigit`` accepts “²”, which ``int`` refuses)."""
    return (
        value.isascii()
        and value.isdecimal()
        and len(value) <= RECORD_ID_MAX_DIGITS
        and int(value) < 2**63
    )


@require_POST
def health_retry_view(request: HttpRequest) -> HttpResponse:
    raw_ids = request.POST.getlist("record")
    refused = [i for i in raw_ids if not _is_record_id(i)]
    if refused:
        messages.error(request, f"“{echo(refused[0])}” is not a record id: nothing was retried.")
        return redirect("health")
    record_ids = [int(i) for i in raw_ids] or None
    category = request.POST.get("category", "")
    if category and category not in RecordError.Category.values:
        messages.error(request, f"Unknown error category “{echo(category)}”.")
        return redirect("health")
    try:
        retry = health_retry(actor=request.user, record_ids=record_ids, category=category)
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("health")
    for what, start in retry.starts:
        job_start_flash(request, start, what=what)
    return redirect("job_detail", job_id=retry.starts[0][1].job.pk)
