"""The audit log page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from core.models import AuditEvent
from core.selectors.audit import AuditFilters, audit_page


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    filters = AuditFilters(
        job_id=_int_or_none(request.GET.get("job")),
        action=request.GET.get("action", "").strip(),
        object_type=request.GET.get("object_type", "").strip(),
        status=request.GET.get("status", "")
        if request.GET.get("status") in AuditEvent.Status.values
        else "",
        search=request.GET.get("q", "").strip(),
    )
    events, next_cursor = audit_page(
        filters=filters, before_id=_int_or_none(request.GET.get("before"))
    )
    query = request.GET.copy()
    query.pop("before", None)
    return render(
        request,
        "core/audit_log.html",
        {
            "events": events,
            "filters": filters,
            "next_cursor": next_cursor,
            "base_query": query.urlencode(),
            "statuses": AuditEvent.Status.choices,
        },
    )
