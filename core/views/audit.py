"""The audit log: filtered, keyset-paginated review page, per-record history, CSV export."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from core.csv_export import EchoBuffer, csv_safe_cell
from core.job_outcomes import OUTCOME_LABELS, skip_reason_label
from core.models import AuditEvent, AuditRetention, SyncJob
from core.models.retention import MAX_RETENTION_DAYS
from core.selectors.audit import (
    SYSTEM_ACTOR,
    AuditFilters,
    audit_chain_last_check,
    audit_export_rows,
    audit_filter_choices,
    audit_keyset_page,
    audit_page,
    audit_record_history,
    audit_record_keys,
    audit_record_links,
)
from core.services.retention import (
    CONFIRM_BELOW_DAYS,
    RetentionNeedsConfirmation,
    RetentionRefused,
    retention_days_set,
    retention_minimum_days,
)

DATETIME_LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"]
EXPORT_COLUMNS = [
    "id",
    "occurred_at",
    "actor_type",
    "actor_username",
    "job_id",
    "action",
    "object_type",
    "object_label",
    "hubspot_id",
    "salesforce_id",
    "email",
    "direction",
    "status",
    "error_category",
    "outcome",
    "reason",
    "message",
    "changes",
]


class AuditFilterForm(forms.Form):
    """The filters, read from the query string so every filtered view is a shareable URL."""

    occurred_from = forms.DateTimeField(required=False, input_formats=DATETIME_LOCAL_FORMATS)
    occurred_to = forms.DateTimeField(required=False, input_formats=DATETIME_LOCAL_FORMATS)
    job = forms.IntegerField(required=False, min_value=1)
    action = forms.ChoiceField(required=False)
    object_type = forms.ChoiceField(required=False)
    direction = forms.ChoiceField(
        required=False, choices=[("", "Any"), *AuditEvent.Direction.choices[1:]]
    )
    status = forms.ChoiceField(required=False, choices=[("", "Any"), *AuditEvent.Status.choices])
    error_category = forms.ChoiceField(required=False)
    outcome = forms.ChoiceField(
        required=False, choices=[("", "Any"), *((o, OUTCOME_LABELS[o]) for o in SyncJob.OUTCOMES)]
    )
    reason = forms.RegexField(
        required=False,
        max_length=40,
        regex=r"^[a-z_]+$",
        error_messages={"invalid": "A skip reason is a code like not_in_list."},
    )
    actor = forms.CharField(required=False, max_length=150, strip=True)
    q = forms.CharField(required=False, max_length=254, strip=True)
    before = forms.IntegerField(required=False, min_value=1)
    after = forms.IntegerField(required=False, min_value=0)

    def __init__(self, data: QueryDict, *, choices: dict[str, list[str]]) -> None:
        super().__init__(data)
        for name, key in (
            ("action", "actions"),
            ("object_type", "object_types"),
            ("error_category", "error_categories"),
        ):
            self.fields[name].choices = [("", "Any"), *((v, v) for v in choices[key])]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("occurred_from"), data.get("occurred_to")
        if start and end and start > end:
            self.add_error("occurred_to", "The time range ends before it starts.")
        return data

    def filters(self) -> AuditFilters:
        """The valid filters; a bad one is dropped (and reported), never a 500."""
        data = getattr(self, "cleaned_data", {})
        value = data.get
        return AuditFilters(
            job_id=value("job"),
            action=value("action") or "",
            object_type=value("object_type") or "",
            status=value("status") or "",
            direction=value("direction") or "",
            error_category=value("error_category") or "",
            outcome=value("outcome") or "",
            reason=value("reason") or "",
            actor=value("actor") or "",
            occurred_from=value("occurred_from"),
            occurred_to=value("occurred_to"),
            search=value("q") or "",
        )

    def error_messages(self) -> list[str]:
        labels = {
            "occurred_from": "From",
            "occurred_to": "To",
            "job": "Job",
            "action": "Action",
            "object_type": "Object",
            "direction": "Direction",
            "status": "Status",
            "error_category": "Error category",
            "outcome": "Outcome",
            "reason": "Skip reason",
            "actor": "Actor",
            "q": "Search",
            "before": "Page",
            "after": "Page",
        }
        return [
            f"{labels.get(name, name)}: {' '.join(errors)} This filter was ignored."
            for name, errors in self.errors.items()
        ]


def _filter_form(request: HttpRequest, choices: dict[str, list[str]]) -> AuditFilterForm:
    form = AuditFilterForm(request.GET, choices=choices)
    form.is_valid()
    return form


def _query_without_cursor(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("before", None)
    query.pop("after", None)
    return query.urlencode()


@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    choices = audit_filter_choices()
    form = _filter_form(request, choices)
    filters = form.filters()
    page = audit_page(
        filters=filters,
        before_id=form.cleaned_data.get("before"),
        after_id=form.cleaned_data.get("after"),
    )
    return render(
        request,
        "core/audit_log.html",
        {
            "events": page.events,
            "page": page,
            "form": form,
            "filters": filters,
            "filter_errors": form.error_messages(),
            "base_query": _query_without_cursor(request),
            "choices": choices,
            "statuses": AuditEvent.Status.choices,
            "outcomes": [(o, OUTCOME_LABELS[o]) for o in SyncJob.OUTCOMES],
            "reason_label": skip_reason_label(filters.reason) if filters.reason else "",
            "directions": AuditEvent.Direction.choices[1:],
            "system_actor": SYSTEM_ACTOR,
            "raw": request.GET,
            # read, never created: a GET writes nothing (the first save creates the row)
            "retention": AuditRetention.objects.filter(pk=1).first() or AuditRetention(),
            "chain": audit_chain_last_check(),
            "max_retention_days": MAX_RETENTION_DAYS,
            "min_retention_days": retention_minimum_days(),
            "confirm_below_days": CONFIRM_BELOW_DAYS,
        },
    )


#: event ids are 64-bit integers: at most 19 digits
_CURSOR_MAX_DIGITS = 19
_HISTORY_KEYS = {
    "email": "email",
    "hubspot_id": "HubSpot id",
    "salesforce_id": "Salesforce id",
    "object_type": "record type",
}


def _is_cursor(value: str) -> bool:
    """ASCII digits that fit an event id (``isdigit`` accepts “²”, which ``int`` refuses)."""
    return (
        value.isascii()
        and value.isdecimal()
        and len(value) <= _CURSOR_MAX_DIGITS
        and int(value) < 2**63
    )


def _history_refusal(query: QueryDict) -> str:
    """Why the history cannot be looked up for ``query`` ("" when it can)."""
    for name in ("before", "after"):
        value = query.get(name, "")
        if value and not _is_cursor(value):
            return f"The page link is broken (“{name}” is not an event id): open it again."
    for name, label in _HISTORY_KEYS.items():
        if "\x00" in query.get(name, ""):
            return f"The {label} contains a NUL character, which no record has."
    return ""


@require_GET
def audit_history(request: HttpRequest) -> HttpResponse:
    """Everything that ever happened to one contact or activity, on either side."""
    refused = _history_refusal(request.GET)
    if refused:
        messages.error(request, refused)
        return render(request, "core/audit_history.html", {"keys": None}, status=400)
    object_type = request.GET.get("object_type", "").strip()[:40]
    keys = audit_record_keys(
        email=request.GET.get("email", "")[:254],
        hubspot_id=request.GET.get("hubspot_id", "")[:40],
        salesforce_id=request.GET.get("salesforce_id", "")[:18],
        object_type=object_type,
    )
    before = request.GET.get("before", "")
    after = request.GET.get("after", "")
    page = audit_keyset_page(
        audit_record_history(keys=keys, object_type=object_type),
        before_id=int(before) if before else None,
        after_id=int(after) if after else None,
    )
    return render(
        request,
        "core/audit_history.html",
        {
            "events": page.events,
            "page": page,
            "keys": keys,
            "object_type": object_type,
            "links": audit_record_links(keys=keys, object_type=object_type),
            "base_query": _query_without_cursor(request),
        },
    )


def _csv_lines(filters: AuditFilters) -> Iterator[str]:
    writer = csv.writer(EchoBuffer())
    yield writer.writerow(EXPORT_COLUMNS)
    for event in audit_export_rows(filters=filters):
        yield writer.writerow(
            [
                event.id,
                event.occurred_at.isoformat(),
                event.actor_type,
                csv_safe_cell(event.actor_username),
                event.job_id if event.job_id is not None else "",
                csv_safe_cell(event.action),
                csv_safe_cell(event.object_type),
                csv_safe_cell(event.object_label),
                csv_safe_cell(event.hubspot_id),
                csv_safe_cell(event.salesforce_id),
                csv_safe_cell(event.email),
                event.direction,
                event.status,
                csv_safe_cell(event.error_category),
                event.outcome,
                event.reason,
                csv_safe_cell(event.message),
                json.dumps(event.changes, cls=DjangoJSONEncoder, ensure_ascii=False),
            ]
        )


@require_GET
def audit_export(request: HttpRequest) -> StreamingHttpResponse:
    """The current filter as CSV, streamed in keyset chunks: memory stays flat at any size."""
    filters = _filter_form(request, audit_filter_choices()).filters()
    response = StreamingHttpResponse(_csv_lines(filters), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response


class RetentionForm(forms.Form):
    days = forms.IntegerField(min_value=1, max_value=MAX_RETENTION_DAYS)
    confirm_shorten = forms.BooleanField(required=False)
    #: sent only by the confirmation step a retention below ``CONFIRM_BELOW_DAYS`` gets
    confirm_below = forms.BooleanField(required=False)


@require_POST
def audit_retention(request: HttpRequest) -> HttpResponse:
    form = RetentionForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            f"Retention must be a whole number of days from {retention_minimum_days()} to "
            f"{MAX_RETENTION_DAYS}; nothing was changed.",
        )
        return redirect("audit_log")
    try:
        retention = retention_days_set(
            days=form.cleaned_data["days"],
            actor=request.user,
            confirm_shorten=form.cleaned_data["confirm_shorten"],
            confirm_below=form.cleaned_data["confirm_below"],
        )
    except RetentionNeedsConfirmation as asked:
        # a step of its own, a plain form: it works without JavaScript, and nothing
        # changes unless the admin sends it
        current = AuditRetention.objects.filter(pk=1).first() or AuditRetention()
        return render(
            request,
            "core/audit_retention_confirm.html",
            {
                "days": asked.days,
                "older_events": asked.older_events,
                "current_days": current.days,
                "confirm_below_days": CONFIRM_BELOW_DAYS,
            },
        )
    except RetentionRefused as refused:
        messages.error(request, str(refused))
        return redirect("audit_log")
    messages.success(
        request,
        f"Audit events are now kept {retention.days} days; older ones are pruned daily.",
    )
    return redirect("audit_log")
