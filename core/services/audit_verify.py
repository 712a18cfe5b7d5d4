"""Verifying the audit trail's hash chain (``core.audit_chain``), and keeping the result.

A walk reads the events in id order, streamed (flat memory), and recomputes each
hash from the previous one, starting at the retention anchor (or at the first
event ever). The first broken link ends it:

- *unchained row*: an event without a hash (inserted past the app);
- *previous event #N missing*: an event links to one that is gone (deleted);
- *previous event mismatch*: it links to another event than the one before it
  (inserted, or ids changed);
- *hash mismatch*: a stored field or the hash itself was changed;
- an event at or before the anchor still exists, or events after the chain's
  head are missing (the newest events were deleted).

``chain_check`` records the result in ``AuditChainCheck`` for the audit page,
which only reads that row. A walk is either full (from the anchor) or
incremental (from the last verified event, if it is still there with the same
hash; otherwise it falls back to a full walk). ``python manage.py audit verify``
walks in full; the hourly schedule walks incrementally, and in full once a day.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone
from django_q.models import Schedule

from core.audit_chain import CHAIN_FIELDS, GENESIS, HEAD_PK, chain_digest
from core.models import AuditChainCheck, AuditChainGap, AuditChainHead, AuditEvent
from core.services.schedules import schedule_every

VERIFY_SCHEDULE = "audit-chain-verify"
VERIFY_TASK = "core.services.audit_verify.chain_check_scheduled"
#: the schedule walks in full when the last full walk that passed is older than this
FULL_WALK_EVERY = timedelta(hours=24)
CHECK_PK = 1
#: a prune that commits while a walk starts moves the anchor: start again, this often
_ANCHOR_RETRIES = 3


@dataclass(frozen=True, slots=True)
class ChainResult:
    ok: bool
    #: events checked by this walk
    events: int
    #: the last event verified, and its hash (the chain's head if ``ok``)
    up_to_id: int | None
    up_to_hash: str
    full: bool
    broken_id: int | None = None
    reason: str = ""
    #: where the walk started (the anchor, or the event an incremental walk went on from)
    started_after: int | None = None


@dataclass(frozen=True, slots=True)
class _Head:
    last_id: int | None
    last_hash: str
    anchor_id: int | None
    anchor_hash: str


def _head() -> _Head:
    row = AuditChainHead.objects.filter(pk=HEAD_PK).first()
    if row is None:
        return _Head(None, "", None, "")
    return _Head(row.last_id, row.last_hash, row.anchor_id, row.anchor_hash)


def _rows(after_id: int | None, chunk_size: int) -> Iterator[dict[str, Any]]:
    events = AuditEvent.objects.order_by("id")
    if after_id is not None:
        events = events.filter(id__gt=after_id)
    return events.values(*CHAIN_FIELDS, "chain_hash").iterator(chunk_size=chunk_size)


def _walk(
    head: _Head, *, start_id: int | None, start_hash: str, full: bool, chunk_size: int
) -> ChainResult:
    previous_id, previous_hash = start_id, start_hash
    checked = 0

    def broken(event_id: int | None, reason: str) -> ChainResult:
        return ChainResult(
            ok=False,
            events=checked,
            up_to_id=previous_id,
            up_to_hash=previous_hash,
            full=full,
            broken_id=event_id,
            reason=reason,
            started_after=start_id,
        )

    for row in _rows(None if full else start_id, chunk_size):
        event_id, linked = row["id"], row["chain_prev_id"]
        if head.anchor_id is not None and event_id <= head.anchor_id:
            return broken(event_id, f"kept although the retention prune ended at #{head.anchor_id}")
        if row["chain_hash"] is None:
            return broken(event_id, "unchained row")
        if linked != previous_id and linked is not None:
            previous_id, previous_hash = _bridge(previous_id, previous_hash, linked)
        if linked != previous_id:
            if linked is not None and (previous_id is None or linked > previous_id):
                return broken(event_id, f"previous event #{linked} missing")
            return broken(
                event_id,
                f"previous event mismatch (it follows #{linked or '-'}, "
                f"the event before it is #{previous_id or '-'})",
            )
        if chain_digest(previous_hash, row) != row["chain_hash"]:
            return broken(event_id, "hash mismatch")
        if event_id == head.last_id and row["chain_hash"] != head.last_hash:
            return broken(event_id, "hash mismatch with the chain head")
        previous_id, previous_hash = event_id, row["chain_hash"]
        checked += 1
    if head.last_id is not None and (previous_id or 0) < head.last_id:
        return broken(
            previous_id, f"events after #{previous_id or '-'} missing (the head is #{head.last_id})"
        )
    return ChainResult(
        ok=True,
        events=checked,
        up_to_id=previous_id,
        up_to_hash=previous_hash,
        full=full,
        started_after=start_id,
    )


def _bridge(previous_id: int | None, previous_hash: str, linked: int) -> tuple[int | None, str]:
    """Over the events the prune deleted after ``previous_id``, as far as ``linked``
    (unchanged if the gaps do not reach it)."""
    at, at_hash = previous_id, previous_hash
    while at != linked:
        gap = AuditChainGap.objects.filter(prev_id=at, event_id__lte=linked).first()
        if gap is None:
            return previous_id, previous_hash
        at, at_hash = gap.event_id, gap.chain_hash
    return at, at_hash


def chain_verify(
    *, from_id: int | None = None, from_hash: str = "", chunk_size: int = 2000
) -> ChainResult:
    """Walk the chain from the anchor, or (``from_id``) on from an event verified before.

    An incremental start that is gone or changed walks in full instead.
    """
    result = None
    for _ in range(_ANCHOR_RETRIES):
        head = _head()
        start = _incremental_start(head, from_id, from_hash)
        if start is None:
            result = _walk(
                head,
                start_id=head.anchor_id,
                start_hash=head.anchor_hash or GENESIS,
                full=True,
                chunk_size=chunk_size,
            )
        else:
            result = _walk(
                head, start_id=start[0], start_hash=start[1], full=False, chunk_size=chunk_size
            )
        if result.ok or _head().anchor_id == head.anchor_id:
            return result
    assert result is not None
    return result


def _incremental_start(head: _Head, from_id: int | None, from_hash: str) -> tuple[int, str] | None:
    if from_id is None:
        return None
    if head.anchor_id is not None and head.anchor_id >= from_id:
        return head.anchor_id, head.anchor_hash
    stored = AuditEvent.objects.filter(pk=from_id).values_list("chain_hash", flat=True).first()
    if stored is None or stored != from_hash:
        return None
    return from_id, from_hash


def chain_check(*, full: bool = True, chunk_size: int = 2000) -> ChainResult:
    """Verify (in full, or on from the last verified event) and record the result."""
    last = AuditChainCheck.objects.filter(pk=CHECK_PK).first()
    incremental = not full and last is not None and last.ok and last.up_to_id is not None
    result = chain_verify(
        from_id=last.up_to_id if incremental else None,
        from_hash=last.up_to_hash if incremental else "",
        chunk_size=chunk_size,
    )
    now = timezone.now()
    full_ok_at = now if result.ok and result.full else (last.full_ok_at if last else None)
    AuditChainCheck.objects.update_or_create(
        pk=CHECK_PK,
        defaults={
            "checked_at": now,
            "full": result.full,
            "ok": result.ok,
            "events": result.events,
            "up_to_id": result.up_to_id,
            "up_to_hash": result.up_to_hash,
            "broken_id": result.broken_id,
            "reason": result.reason,
            "full_ok_at": full_ok_at,
        },
    )
    return result


def chain_check_scheduled() -> str:
    """The hourly schedule: on from the last verified event, in full once a day."""
    last = AuditChainCheck.objects.filter(pk=CHECK_PK).first()
    due = last is None or last.full_ok_at is None
    full = due or timezone.now() - last.full_ok_at >= FULL_WALK_EVERY
    return chain_result_text(chain_check(full=full))


def chain_result_text(result: ChainResult) -> str:
    """What ``audit verify`` prints: verified up to the head (its hash), or the first break."""
    if result.ok:
        if result.up_to_id is None:
            return "chain verified: 0 events (the trail is empty)"
        walk = "" if result.full else f" (on from #{result.started_after})"
        return (
            f"chain verified: {result.events} events, up to #{result.up_to_id}{walk}\n"
            f"head #{result.up_to_id} {result.up_to_hash}"
        )
    return f"chain broken at #{result.broken_id}: {result.reason}"


def chain_verify_schedule_ensure() -> Schedule:
    return schedule_every(name=VERIFY_SCHEDULE, func=VERIFY_TASK, minutes=60)
