"""The audit trail's hash chain: its head (locked to append) and the last verification."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db import models
from django.db.models.signals import post_migrate


class AuditChainHead(models.Model):
    """One row (pk 1): where the chain ends, and where it starts after retention pruned.

    Appending an event locks this row until its transaction ends (``core.audit_chain``).
    The prune moves the anchor to the last event it deleted, in its own transaction,
    so verification starts from there.
    """

    #: the last event chained, and its hash
    last_id = models.BigIntegerField(null=True)
    last_hash = models.CharField(max_length=64, blank=True)
    #: the last event the retention prune deleted (the chain's start from then on)
    anchor_id = models.BigIntegerField(null=True)
    anchor_hash = models.CharField(max_length=64, blank=True)
    anchor_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = "audit chain head"

    def __str__(self) -> str:
        return f"audit chain head #{self.last_id}"


class AuditChainGap(models.Model):
    """An event the retention prune deleted from the middle of the chain, and its link.

    The prune deletes every event older than the cutoff; those after the first younger
    one (an old time written after a young one) leave a gap that its row bridges, so
    the chain still verifies. Gaps before the anchor are dropped by the next prune.
    """

    event_id = models.BigIntegerField(primary_key=True)
    prev_id = models.BigIntegerField(null=True)
    chain_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = "audit chain gap"
        indexes = [models.Index(fields=["prev_id"], name="audit_chain_gap_prev")]

    def __str__(self) -> str:
        return f"pruned #{self.event_id} (after #{self.prev_id})"


class AuditChainCheck(models.Model):
    """One row (pk 1): the result of the last ``audit verify``, which the audit page shows."""

    checked_at = models.DateTimeField()
    #: a walk from the anchor (True) or from the last verified event (False)
    full = models.BooleanField(default=True)
    ok = models.BooleanField()
    #: events this walk checked
    events = models.BigIntegerField(default=0)
    #: the last event verified, and its hash (where the next incremental walk starts)
    up_to_id = models.BigIntegerField(null=True)
    up_to_hash = models.CharField(max_length=64, blank=True)
    broken_id = models.BigIntegerField(null=True)
    reason = models.TextField(blank=True)
    #: when a walk from the anchor last passed
    full_ok_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = "audit chain check"

    def __str__(self) -> str:
        state = f"verified up to #{self.up_to_id}" if self.ok else f"broken at #{self.broken_id}"
        return f"audit chain {state}"


def _ensure_chain_schedule(sender: AppConfig, **kwargs: Any) -> None:
    # After every ``migrate`` (and test flush), like the retention prune's schedule.
    if sender.name != "core":
        return
    from core.services.audit_verify import chain_verify_schedule_ensure

    chain_verify_schedule_ensure()


post_migrate.connect(_ensure_chain_schedule, dispatch_uid="core.audit_chain_schedule")
