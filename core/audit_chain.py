"""The audit trail's hash chain: every event's ``chain_hash`` covers the event before it.

``chain_hash = sha256(previous chain_hash + "\\n" + canonical text of this event)``,
where the canonical text is a JSON object of every stored field (``CHAIN_FIELDS``,
the id and ``chain_prev_id`` included), keys sorted, written the same way whether
the values come from Python before the INSERT or back from SQLite or PostgreSQL:

- datetimes in UTC with microseconds (``2026-01-02T03:04:05.000006Z``), the
  precision both databases keep;
- JSON with sorted keys, passed once through ``json.dumps``/``json.loads`` as the
  JSONField stores it (tuples become lists, int keys strings), and every number in
  one spelling: a whole number as an integer (``1``, ``1.0``, ``-0.0`` as ``0``;
  ``1e300`` as the 301 digits PostgreSQL's ``jsonb`` gives back), any other as the
  shortest text of its float (``0.1``, ``1e-07``, as jsonb's ``0.0000001`` reads);
- strings JSON-escaped to ASCII (``json.dumps``, sorted keys, no spaces).

Appending (``chain_extend``) happens inside the inserting transaction, under a
lock on the one ``AuditChainHead`` row (``SELECT ... FOR UPDATE`` on PostgreSQL;
SQLite's IMMEDIATE transactions already let one writer in at a time). Under the
lock the ids are taken (PostgreSQL: the id sequence; SQLite: after the largest id
ever used), hashed in Python for the whole batch, and the head moves to the last
one; the lock is held until the transaction commits, so ids and chain order agree
and two writers never extend the same head. Write audit events last in a
transaction: whatever it locks after them waits with the chain locked.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any

from django.db import connection, transaction
from django.db.models import Field
from django.utils import timezone

from core.models import AuditChainHead, AuditEvent

#: version 1 of the canonical text; a new stored field needs a new version
CHAIN_VERSION = 1
#: every stored field an attacker could edit, in the canonical text
CHAIN_FIELDS = (
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
    "changes",
    "message",
    "error_category",
    "outcome",
    "reason",
    "chain_prev_id",
)
#: stored but not hashed: the hash itself
NOT_HASHED = ("chain_hash",)
#: the previous hash of the first event ever chained
GENESIS = ""
HEAD_PK = 1


class AuditChainError(Exception):
    """The chain cannot be extended here (outside a transaction)."""


def canonical_text(values: Mapping[str, Any]) -> str:
    """The event's fields as one deterministic text (see the module docstring)."""
    parts: dict[str, Any] = {"v": CHAIN_VERSION}
    for name in CHAIN_FIELDS:
        value = values[name]
        if isinstance(value, datetime):
            value = _utc(value).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        elif not isinstance(value, str | bool | None):
            value = _plain(value)
        parts[name] = value
    return json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def chain_digest(previous_hash: str, values: Mapping[str, Any]) -> str:
    """The chain hash of an event with these stored ``values`` after ``previous_hash``."""
    text = f"{previous_hash}\n{canonical_text(values)}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _plain(value: Any) -> Any:
    """JSON values with every number in one spelling: a whole number as an int (``1.0``,
    ``-0.0``, ``1e300`` and jsonb's 301 digits alike), any other as the float it reads as."""
    if isinstance(value, bool | str) or value is None:
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal):
        number = Decimal(repr(value)) if isinstance(value, float) else value
        if number.is_finite() and number == number.to_integral_value():
            return int(number)
        return float(value)
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    raise TypeError(f"cannot chain a {type(value).__name__}")


def _utc(value: datetime) -> datetime:
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_default_timezone())
    return value.astimezone(UTC)


@cache
def _fields() -> tuple[tuple[str, Field], ...]:
    return tuple((name, AuditEvent._meta.get_field(name)) for name in CHAIN_FIELDS)


def stored_values(event: AuditEvent) -> dict[str, Any]:
    """``event``'s fields as the database will give them back, set on the event too, so
    the hash computed before the INSERT is the one a later read computes."""
    values: dict[str, Any] = {}
    for name, field in _fields():
        value = getattr(event, field.attname)
        if name == "changes":
            value = json.loads(json.dumps(value, cls=field.encoder))
        elif name == "occurred_at":
            value = _utc(field.to_python(value))
        elif value is not None:
            value = field.to_python(value)
        setattr(event, field.attname, value)
        values[name] = value
    return values


def chain_head_lock() -> AuditChainHead:
    """The chain's head row, locked until the current transaction ends (created if gone)."""
    if not connection.in_atomic_block:
        raise AuditChainError("the audit chain is extended inside a transaction only")
    head = AuditChainHead.objects.select_for_update().filter(pk=HEAD_PK).first()
    if head is None:
        AuditChainHead.objects.bulk_create([AuditChainHead(pk=HEAD_PK)], ignore_conflicts=True)
        head = AuditChainHead.objects.select_for_update().get(pk=HEAD_PK)
    return head


def _new_ids(head: AuditChainHead, count: int) -> list[int]:
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return sorted(row[0] for row in cursor.fetchall())
        # SQLite (one writer at a time): after the largest id ever used, as AUTOINCREMENT does
        cursor.execute(f"SELECT MAX(id) FROM {table}")  # the model's table name, not input
        largest = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        start = max(largest, row[0] if row else 0, head.last_id or 0) + 1
        return list(range(start, start + count))


def chain_extend(events: Sequence[AuditEvent]) -> None:
    """Give unsaved ``events`` their ids and chain hashes, in order, after the head.

    Call inside the transaction that then inserts them; the head is locked until it
    ends, so no other writer can extend the chain in between.
    """
    if not events:
        return
    head = chain_head_lock()
    previous_id, previous_hash = head.last_id, head.last_hash or GENESIS
    for event, event_id in zip(events, _new_ids(head, len(events)), strict=True):
        event.pk = event_id
        event.chain_prev_id = previous_id
        event.chain_hash = chain_digest(previous_hash, stored_values(event))
        previous_id, previous_hash = event_id, event.chain_hash
    AuditChainHead.objects.filter(pk=HEAD_PK).update(last_id=previous_id, last_hash=previous_hash)


def chain_insert(events: Sequence[AuditEvent], *, batch_size: int = 500) -> None:
    """Chain and insert ``events`` with batched INSERTs, in one transaction."""
    events = list(events)
    with transaction.atomic():
        chain_extend(events)
        AuditEvent.objects.bulk_create(events, batch_size=batch_size)
