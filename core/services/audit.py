"""The one place that writes the audit trail.

Services call these functions explicitly (never signals), so every event says
who did what. Secrets never reach an event: settings changes of secret fields
record that the value was replaced, not the value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.utils import timezone

from core.audit_chain import chain_head_lock, chain_insert
from core.models import AuditChainGap, AuditChainHead, AuditEvent, AuditPruneWindow

SECRET_PLACEHOLDER = "•••••• (secret)"


def _actor_fields(actor: AbstractBaseUser | None) -> dict[str, str]:
    if actor is None or not actor.is_authenticated:
        return {"actor_type": AuditEvent.Actor.SYSTEM, "actor_username": ""}
    return {"actor_type": AuditEvent.Actor.USER, "actor_username": actor.get_username()}


def audit_event_build(
    *,
    action: str,
    object_type: str,
    actor: AbstractBaseUser | None = None,
    job_id: int | None = None,
    object_label: str = "",
    hubspot_id: str = "",
    salesforce_id: str = "",
    email: str = "",
    direction: str = "",
    status: str = AuditEvent.Status.OK,
    changes: list[dict[str, Any]] | None = None,
    message: str = "",
    error_category: str = "",
    occurred_at: datetime | None = None,
) -> AuditEvent:
    """An unsaved event; pass many to ``audit_events_record`` to write them in one go."""
    return AuditEvent(
        occurred_at=occurred_at or timezone.now(),
        job_id=job_id,
        action=action,
        object_type=object_type,
        object_label=object_label[:255],
        hubspot_id=hubspot_id,
        salesforce_id=salesforce_id,
        email=(email or "").lower(),
        direction=direction,
        status=status,
        changes=changes or [],
        message=message,
        error_category=error_category,
        **_actor_fields(actor),
    )


def audit_record(**fields: Any) -> AuditEvent:
    """Write one event now, chained. Takes the keyword arguments of ``audit_event_build``."""
    event = audit_event_build(**fields)
    chain_insert([event])
    return event


def audit_events_record(events: Iterable[AuditEvent], *, batch_size: int = 500) -> None:
    """Write many events with batched INSERTs, chained in order (the sync engine's path).

    The chain stays locked until the caller's transaction commits: write events last.
    """
    chain_insert(list(events), batch_size=batch_size)


def new_record_changes(
    values: Mapping[str, Any], *, rule: str, direction: str = ""
) -> list[dict[str, Any]]:
    """Field-level changes of a record that did not exist before: blank -> value."""
    changes = []
    for field, value in values.items():
        if value in (None, ""):
            continue
        change = {"field": field, "before": "", "after": str(value), "rule": rule}
        if direction:
            change["direction"] = direction
        changes.append(change)
    return changes


def settings_changes(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    *,
    secret_fields: Iterable[str] = (),
) -> list[dict[str, Any]]:
    """Field-level ``before -> after`` for the keys that changed; secrets masked."""
    secret = set(secret_fields)
    changes = []
    for field in sorted(set(before) | set(after)):
        old, new = before.get(field), after.get(field)
        if old == new:
            continue
        if field in secret:
            old = SECRET_PLACEHOLDER if old else ""
            new = SECRET_PLACEHOLDER + " replaced" if new else ""
        changes.append({"field": field, "before": old, "after": new})
    return changes


def audit_settings_change(
    *,
    actor: AbstractBaseUser | None,
    object_type: str,
    object_label: str,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    secret_fields: Iterable[str] = (),
) -> AuditEvent | None:
    """Record who changed which settings, before -> after. Nothing changed, nothing written."""
    changes = settings_changes(before, after, secret_fields=secret_fields)
    if not changes:
        return None
    names = ", ".join(change["field"] for change in changes)
    return audit_record(
        action="settings.changed",
        object_type=object_type,
        object_label=object_label,
        actor=actor,
        changes=changes,
        message=f"Changed {names}.",
    )


@transaction.atomic
def audit_prune(*, older_than_days: int, actor: AbstractBaseUser | None = None) -> int:
    """Delete events older than ``older_than_days``: the only way events leave the trail.

    The database triggers (``core.audit_triggers``) refuse any DELETE of an
    event that is not older than the cutoff recorded in ``AuditPruneWindow`` by
    this transaction, which removes the row before it commits; the ORM refuses
    every delete. In the same transaction the hash chain keeps its proof: the
    last event of the chain's deleted start becomes its anchor, and an old event
    deleted after a younger one leaves an ``AuditChainGap`` that bridges it, so
    the rest still verifies. The prune itself is audited.
    """
    minimum = settings.AUDIT_RETENTION_MIN_DAYS
    if older_than_days < minimum:
        raise ValueError(
            f"Audit events are kept at least {minimum} days (AUDIT_RETENTION_MIN_DAYS)."
        )
    cutoff = timezone.now() - timedelta(days=older_than_days)
    head = chain_head_lock()
    anchor = _prune_keep_links(cutoff)
    window = AuditPruneWindow.objects.create(cutoff=cutoff)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {AuditEvent._meta.db_table} WHERE occurred_at < %s",
            [cutoff],
        )
        deleted = cursor.rowcount
    window.delete()
    if anchor is not None:
        head.anchor_id, head.anchor_hash = anchor[0], anchor[1] or ""
        AuditChainHead.objects.filter(pk=head.pk).update(
            anchor_id=head.anchor_id, anchor_hash=head.anchor_hash, anchor_at=timezone.now()
        )
        AuditChainGap.objects.filter(event_id__lte=head.anchor_id).delete()
    anchored = f" The chain starts after #{head.anchor_id}." if head.anchor_id else ""
    audit_record(
        action="audit.pruned",
        object_type="audit",
        actor=actor,
        message=f"Pruned {deleted} audit events older than {older_than_days} days "
        f"(before {cutoff:%Y-%m-%d %H:%M} UTC).{anchored}",
    )
    return deleted


def _prune_keep_links(cutoff: datetime) -> tuple[int, str | None] | None:
    """Before events older than ``cutoff`` go: write a gap for each one after the first
    younger event, and return ``(id, chain_hash)`` of the last one before it (the new
    anchor), if any."""
    events = AuditEvent.objects.order_by("id")
    first_young = events.filter(occurred_at__gte=cutoff).values_list("id", flat=True).first()
    if first_young is None:
        return events.order_by("-id").values_list("id", "chain_hash").first()
    middle = events.filter(id__gt=first_young, occurred_at__lt=cutoff).values_list(
        "id", "chain_prev_id", "chain_hash"
    )
    gaps = (
        AuditChainGap(event_id=event_id, prev_id=prev_id, chain_hash=chain_hash or "")
        for event_id, prev_id, chain_hash in middle.iterator(chunk_size=2000)
    )
    while batch := list(islice(gaps, 1000)):
        AuditChainGap.objects.bulk_create(batch)
    before = events.filter(id__lt=first_young).order_by("-id")
    anchor = before.values_list("id", "chain_hash").first()
    # the chain's last link before the first young event may be a gap an earlier prune left
    gap = (
        AuditChainGap.objects.filter(
            event_id__lt=first_young, event_id__gt=anchor[0] if anchor else 0
        )
        .order_by("-event_id")
        .values_list("event_id", "chain_hash")
        .first()
    )
    return gap or anchor
