"""Reads of the audit trail: newest first, keyset-paginated (fast at any depth).

Ordering by id alone is the keyset: ids only grow, so a cursor (``before`` /
``after`` an id) never skips or repeats an event while new ones are written.
Each filter has a ``(column, -id)`` index, so a page is an index walk that
stops after ``size + 1`` rows, however deep the cursor.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce

from core.models import AuditChainCheck, AuditEvent

PAGE_SIZE = 50
#: rows per query while streaming an export: bounded memory at any size
EXPORT_CHUNK = 2000
#: a record's identities (emails, ids) are followed at most this many hops
HISTORY_HOPS = 3
SYSTEM_ACTOR = "system"
CONTACT, ACTIVITY = "contact", "activity"


@dataclass(frozen=True)
class AuditFilters:
    job_id: int | None = None
    action: str = ""
    object_type: str = ""
    status: str = ""
    direction: str = ""
    error_category: str = ""
    #: the job bucket the event counts in (``SyncJob.OUTCOMES``), and a skipped one's reason
    outcome: str = ""
    reason: str = ""
    #: a username, or ``"system"`` for events no user caused
    actor: str = ""
    occurred_from: datetime | None = None
    occurred_to: datetime | None = None
    #: an email (case-insensitive, exact) or a HubSpot / Salesforce id
    search: str = ""


@dataclass(frozen=True)
class RecordKeys:
    """Everything that identifies one contact or activity on either side."""

    emails: frozenset[str] = field(default_factory=frozenset)
    hubspot_ids: frozenset[str] = field(default_factory=frozenset)
    salesforce_ids: frozenset[str] = field(default_factory=frozenset)

    def __bool__(self) -> bool:
        return bool(self.emails or self.hubspot_ids or self.salesforce_ids)

    def q(self) -> Q:
        query = Q(pk__in=[])
        if self.emails:
            query |= Q(email__in=self.emails)
        if self.hubspot_ids:
            query |= Q(hubspot_id__in=self.hubspot_ids)
        if self.salesforce_ids:
            query |= Q(salesforce_id__in=self.salesforce_ids)
        return query


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    #: cursor for the next page back in time (``before=``), ``None`` on the oldest page
    older_cursor: int | None
    #: cursor for the page forward in time (``after=``), ``None`` on the newest page
    newer_cursor: int | None


def audit_event_list(
    *, filters: AuditFilters, before_id: int | None = None
) -> QuerySet[AuditEvent]:
    """Events matching ``filters`` older than ``before_id`` (the keyset cursor), newest first."""
    events = _filtered(AuditEvent.objects.all(), filters).order_by("-id")
    if before_id is not None:
        events = events.filter(id__lt=before_id)
    return events


def _filtered(events: QuerySet[AuditEvent], filters: AuditFilters) -> QuerySet[AuditEvent]:
    if filters.job_id is not None:
        events = events.filter(job_id=filters.job_id)
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.object_type:
        events = events.filter(object_type=filters.object_type)
    if filters.status:
        events = events.filter(status=filters.status)
    if filters.direction:
        events = events.filter(direction=filters.direction)
    if filters.error_category:
        events = events.filter(error_category=filters.error_category)
    if filters.outcome:
        events = events.filter(outcome=filters.outcome)
    if filters.reason:
        events = events.filter(reason=filters.reason)
    if filters.actor == SYSTEM_ACTOR:
        events = events.filter(actor_type=AuditEvent.Actor.SYSTEM)
    elif filters.actor:
        events = events.filter(actor_type=AuditEvent.Actor.USER, actor_username=filters.actor)
    if filters.occurred_from is not None or filters.occurred_to is not None:
        events = _in_time_range(events, filters.occurred_from, filters.occurred_to)
    if filters.search:
        term = filters.search.strip()
        events = events.filter(Q(email=term.lower()) | Q(hubspot_id=term) | Q(salesforce_id=term))
    return events


def _in_time_range(
    events: QuerySet[AuditEvent], start: datetime | None, end: datetime | None
) -> QuerySet[AuditEvent]:
    """Events in ``[start, end]``, found as an id range so pages still walk an id index.

    Filtering on ``occurred_at`` alone makes the database read the whole range
    through the time index and sort it by id (hundreds of ms for a month at a
    million rows). Events are stamped when written, so ids grow with time: one
    probe at each end of the time index gives the id bounds, and the time test
    itself stays as a row filter (``COALESCE`` keeps the planner off the time
    index) so the result is exactly the range.
    """
    by_time = AuditEvent.objects.order_by("occurred_at", "id").values_list("id", flat=True)
    if start is not None:
        first = by_time.filter(occurred_at__gte=start).first()
        if first is None:
            return events.none()
        events = events.filter(id__gte=first)
    if end is not None:
        last = by_time.filter(occurred_at__lte=end).last()
        if last is None:
            return events.none()
        events = events.filter(id__lte=last)
    events = events.alias(at=Coalesce("occurred_at", "occurred_at"))
    if start is not None:
        events = events.filter(at__gte=start)
    if end is not None:
        events = events.filter(at__lte=end)
    return events


def audit_keyset_page(
    events: QuerySet[AuditEvent],
    *,
    before_id: int | None = None,
    after_id: int | None = None,
    size: int = PAGE_SIZE,
) -> AuditPage:
    """One page of ``events`` (any filtered queryset), newest first, and its two cursors.

    ``after_id`` pages forward in time: the ``size`` events just newer than the
    cursor, still shown newest first.
    """
    if after_id is not None:
        rows = list(events.filter(id__gt=after_id).order_by("id")[: size + 1])
        has_newer = len(rows) > size
        if not rows:
            # Nothing newer than the cursor: show the newest page instead of an empty one.
            return audit_keyset_page(events, size=size)
        page = rows[:size][::-1]
        has_older = events.filter(id__lte=after_id).exists()
    else:
        newest_first = events.order_by("-id")
        if before_id is not None:
            newest_first = newest_first.filter(id__lt=before_id)
        rows = list(newest_first[: size + 1])
        page = rows[:size]
        has_older = len(rows) > size
        has_newer = (
            before_id is not None and bool(page) and events.filter(id__gte=before_id).exists()
        )
    return AuditPage(
        events=page,
        older_cursor=page[-1].id if page and has_older else None,
        newer_cursor=page[0].id if page and has_newer else None,
    )


def audit_page(
    *,
    filters: AuditFilters,
    before_id: int | None = None,
    after_id: int | None = None,
    size: int = PAGE_SIZE,
) -> AuditPage:
    """One page of the audit log under ``filters``."""
    return audit_keyset_page(
        _filtered(AuditEvent.objects.all(), filters),
        before_id=before_id,
        after_id=after_id,
        size=size,
    )


def audit_export_rows(*, filters: AuditFilters) -> Iterator[AuditEvent]:
    """Every matching event, newest first, fetched in keyset chunks.

    Memory stays flat at any size, no cursor or transaction stays open between
    chunks, and events written during the export (higher ids) are not mixed in.
    """
    events = audit_event_list(filters=filters)
    before_id: int | None = None
    while True:
        remaining = events if before_id is None else events.filter(id__lt=before_id)
        chunk = list(remaining[:EXPORT_CHUNK])
        yield from chunk
        if len(chunk) < EXPORT_CHUNK:
            return
        before_id = chunk[-1].id


def _distinct_values(column: str) -> list[str]:
    """Distinct non-empty values of an indexed column, by a loose index scan.

    ``SELECT DISTINCT`` reads every row; this recursive query jumps from one
    value to the next through the index, so it costs one probe per value.
    """
    table = AuditEvent._meta.db_table
    sql = (
        f"WITH RECURSIVE v(x) AS ("  # column names come from this module
        f" SELECT MIN({column}) FROM {table} WHERE {column} > ''"
        f" UNION ALL"
        f" SELECT (SELECT MIN({column}) FROM {table} WHERE {column} > v.x) FROM v"
        f" WHERE v.x IS NOT NULL"
        f") SELECT x FROM v WHERE x IS NOT NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [row[0] for row in cursor.fetchall()]


def audit_filter_choices() -> dict[str, list[str]]:
    """The actions, object types and error categories present in the trail."""
    return {
        "actions": _distinct_values("action"),
        "object_types": _distinct_values("object_type"),
        "error_categories": _distinct_values("error_category"),
    }


def audit_record_keys(
    *, email: str = "", hubspot_id: str = "", salesforce_id: str = "", object_type: str = ""
) -> RecordKeys:
    """All emails and ids one record ever had, learnt from the events that name any of them.

    An event with both ids ties a HubSpot id to a Salesforce id; following those
    links a few hops gives the union of everything that identifies the record.
    """
    keys = RecordKeys(
        emails=frozenset({email.strip().lower()} - {""}),
        hubspot_ids=frozenset({hubspot_id.strip()} - {""}),
        salesforce_ids=frozenset({salesforce_id.strip()} - {""}),
    )
    for _ in range(HISTORY_HOPS):
        if not keys:
            return keys
        events = AuditEvent.objects.filter(keys.q())
        if object_type:
            events = events.filter(object_type=object_type)
        seen = set(
            events.order_by().values_list("email", "hubspot_id", "salesforce_id").distinct()[:500]
        )
        grown = RecordKeys(
            emails=keys.emails | {e for e, _, _ in seen if e},
            hubspot_ids=keys.hubspot_ids | {h for _, h, _ in seen if h},
            salesforce_ids=keys.salesforce_ids | {s for _, _, s in seen if s},
        )
        if grown == keys:
            return keys
        keys = grown
    return keys


def _contact_activities(keys: RecordKeys) -> Q:
    """A contact's activity events. They name the contact by its HubSpot id and email;
    their Salesforce id is the task's own (a failure names the contact's instead), so
    a contact's Salesforce ids find only its failures, never another record."""
    return Q(object_type=ACTIVITY) & keys.q()


def audit_record_history(*, keys: RecordKeys, object_type: str = "") -> QuerySet[AuditEvent]:
    """Every event that touched the record identified by ``keys``, newest first; a
    contact's includes its activities (the Salesforce tasks made for it, and back)."""
    if not keys:
        return AuditEvent.objects.none()
    if object_type == CONTACT:
        events = AuditEvent.objects.filter(
            (Q(object_type=CONTACT) & keys.q()) | _contact_activities(keys)
        )
    elif object_type:
        events = AuditEvent.objects.filter(keys.q(), object_type=object_type)
    else:
        events = AuditEvent.objects.filter(keys.q())
    return events.order_by("-id")


@dataclass(frozen=True)
class RecordLink:
    system: str
    record_id: str
    url: str


#: a record's keys and object type -> links to it in a vendor's own app
RecordLinker = Callable[[RecordKeys, str], list[RecordLink]]
#: registered linkers, asked in order; registering the same function twice keeps one
_RECORD_LINKERS: dict[RecordLinker, None] = {}


def register_record_linker(linker: RecordLinker) -> RecordLinker:
    """Let a capability link the records the trail names to where they live (its
    ``AppConfig.ready()`` registers it; the history page shows the links)."""
    _RECORD_LINKERS[linker] = None
    return linker


def audit_record_links(*, keys: RecordKeys, object_type: str = "") -> list[RecordLink]:
    """Links to the record in the systems it lives in, from every registered linker."""
    return [link for linker in _RECORD_LINKERS for link in linker(keys, object_type)]


def audit_chain_last_check() -> AuditChainCheck | None:
    """The hash chain's last recorded verification (one row; the page never walks it)."""
    return AuditChainCheck.objects.filter(pk=1).first()
