"""Reads of the audit trail: newest first, keyset-paginated (fast at any depth)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from core.models import AuditEvent


@dataclass(frozen=True)
class AuditFilters:
    job_id: int | None = None
    action: str = ""
    object_type: str = ""
    status: str = ""
    search: str = ""


def audit_event_list(
    *, filters: AuditFilters, before_id: int | None = None
) -> QuerySet[AuditEvent]:
    """Events matching ``filters`` older than ``before_id`` (the keyset cursor), newest first.

    Ordering by id alone is the keyset: ids only grow, and ``occurred_at`` is
    set at insert, so id order is time order.
    """
    events = AuditEvent.objects.order_by("-id")
    if filters.job_id is not None:
        events = events.filter(job_id=filters.job_id)
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.object_type:
        events = events.filter(object_type=filters.object_type)
    if filters.status:
        events = events.filter(status=filters.status)
    if filters.search:
        term = filters.search.strip()
        events = events.filter(Q(email=term.lower()) | Q(hubspot_id=term) | Q(salesforce_id=term))
    if before_id is not None:
        events = events.filter(id__lt=before_id)
    return events


def audit_page(
    *, filters: AuditFilters, before_id: int | None = None, size: int = 50
) -> tuple[list[AuditEvent], int | None]:
    """One page and the cursor of the next (``None`` on the last page)."""
    rows = list(audit_event_list(filters=filters, before_id=before_id)[: size + 1])
    next_cursor = rows[size - 1].id if len(rows) > size else None
    return rows[:size], next_cursor
