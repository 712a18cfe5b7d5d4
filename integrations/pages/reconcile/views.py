"""Sync health's Reconcile controls: run it, fix findings, its schedule, CSV export."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator

from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from core.csv_export import EchoBuffer, csv_safe_cell
from core.views.jobs import job_start_flash
from integrations.engine.reconcile.fix import FixRefused, reconcile_fix
from integrations.engine.reconcile.jobs import (
    ScheduleRefused,
    reconcile_schedule_update,
    reconcile_start,
)
from integrations.models import ReconcileFinding

EXPORT_COLUMNS = [
    "id",
    "kind",
    "object_type",
    "record",
    "email",
    "hubspot_id",
    "salesforce_id",
    "field",
    "hubspot_value",
    "salesforce_value",
    "expected_value",
    "message",
    "found_at",
    "last_seen_at",
    "job_id",
    "details",
]


def _health() -> HttpResponse:
    return redirect(f"{reverse('health')}#reconcile")


@require_POST
def reconcile_now(request: HttpRequest) -> HttpResponse:
    start = reconcile_start(requested_by=request.user)
    job_start_flash(request, start, what="Reconcile of HubSpot and Salesforce")
    return redirect("job_detail", job_id=start.job.pk)


@require_POST
def reconcile_fix_view(request: HttpRequest) -> HttpResponse:
    raw = [value.strip() for value in request.POST.getlist("finding")]
    # isdecimal, not isdigit: "²" is a digit that int() refuses; and no id has 19 digits
    if any(not value.isdecimal() or len(value) > 18 for value in raw):
        messages.error(request, "A finding is named by its number. Nothing was changed.")
        return _health()
    ids = [int(value) for value in raw] or None
    try:
        fix = reconcile_fix(actor=request.user, finding_ids=ids, kind=request.POST.get("kind", ""))
    except FixRefused as exc:
        messages.error(request, str(exc))
        return _health()
    for what, start in fix.starts:
        job_start_flash(request, start, what=what)
    return redirect("job_detail", job_id=fix.starts[0][1].job.pk)


@require_POST
def reconcile_schedule_save(request: HttpRequest) -> HttpResponse:
    try:
        settings = reconcile_schedule_update(
            actor=request.user, every_hours=request.POST.get("every_hours", "")
        )
    except ScheduleRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Reconcile now runs every {settings.every_hours} hours.")
    return _health()


def _csv_lines() -> Iterator[str]:
    writer = csv.writer(EchoBuffer())
    yield writer.writerow(EXPORT_COLUMNS)
    for finding in ReconcileFinding.objects.order_by("kind", "id").iterator(chunk_size=500):
        yield writer.writerow(
            [
                finding.pk,
                finding.get_kind_display(),
                finding.object_type,
                csv_safe_cell(finding.record_key),
                csv_safe_cell(finding.email),
                csv_safe_cell(finding.hubspot_id),
                csv_safe_cell(finding.salesforce_id),
                csv_safe_cell(finding.field),
                csv_safe_cell(finding.hubspot_value),
                csv_safe_cell(finding.salesforce_value),
                csv_safe_cell(finding.expected_value),
                csv_safe_cell(finding.message),
                finding.found_at.isoformat(),
                finding.last_seen_at.isoformat(),
                finding.job_id or "",
                csv_safe_cell(
                    json.dumps(finding.details, cls=DjangoJSONEncoder, ensure_ascii=False)
                ),
            ]
        )


@require_GET
def reconcile_export(request: HttpRequest) -> StreamingHttpResponse:
    """Every open finding as CSV, streamed."""
    response = StreamingHttpResponse(_csv_lines(), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="reconcile-findings-{stamp}.csv"'
    return response
