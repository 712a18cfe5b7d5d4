"""The audit trail: append-only, written only by ``core.services.audit``."""

from __future__ import annotations

from typing import Any, NoReturn

from django.apps import AppConfig
from django.db import connections, models
from django.db.models.signals import post_migrate
from django.utils import timezone


class AuditTrailIsAppendOnly(Exception):
    """Raised on any attempt to edit or delete an audit event."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AuditTrailIsAppendOnly("Audit events cannot be edited.")

    def delete(self) -> NoReturn:
        raise AuditTrailIsAppendOnly(
            "Audit events cannot be deleted; retention prunes them by age only."
        )

    # bulk_update goes through update(); keep it explicit for readers.
    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditTrailIsAppendOnly("Audit events cannot be edited.")


class AuditEvent(models.Model):
    class Actor(models.TextChoices):
        USER = "user", "User"
        SYSTEM = "system", "System"

    class Direction(models.TextChoices):
        NONE = "", "—"
        HUBSPOT_TO_SALESFORCE = "hs_to_sf", "HubSpot → Salesforce"
        SALESFORCE_TO_HUBSPOT = "sf_to_hs", "Salesforce → HubSpot"

    class Status(models.TextChoices):
        OK = "ok", "OK"
        SKIPPED = "skipped", "Skipped"
        FAILED = "failed", "Failed"

    occurred_at = models.DateTimeField(default=timezone.now, editable=False)
    actor_type = models.CharField(max_length=10, choices=Actor.choices)
    # A name, not a foreign key: the trail must outlive the user and never be
    # rewritten by an ON DELETE action.
    actor_username = models.CharField(max_length=150, blank=True)
    job_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=40)
    object_label = models.CharField(max_length=255, blank=True)
    hubspot_id = models.CharField(max_length=40, blank=True)
    salesforce_id = models.CharField(max_length=18, blank=True)
    email = models.CharField(max_length=254, blank=True)
    direction = models.CharField(max_length=8, choices=Direction.choices, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OK)
    #: ``[{"field", "before", "after", "rule"?}]``
    changes = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)
    error_category = models.CharField(max_length=64, blank=True)
    #: the job bucket this event counts in (``SyncJob.OUTCOMES``): one event per record
    #: per job has one; blank for follow-ups and for events that are not a record's outcome
    outcome = models.CharField(max_length=10, blank=True)
    #: why a skipped record was skipped (a code of ``integrations.engine.outcomes``)
    reason = models.CharField(max_length=40, blank=True)
    #: the event before this one in the hash chain (``core.audit_chain``); null for the first
    chain_prev_id = models.BigIntegerField(null=True, blank=True, editable=False)
    #: sha256 of the previous event's ``chain_hash`` and this event's fields; null only
    #: on a row that was never chained (which ``audit verify`` reports)
    chain_hash = models.CharField(  # noqa: DJ001  (NULL: a row inserted past the app)
        max_length=64, null=True, blank=True, editable=False
    )

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["-occurred_at", "-id"], name="audit_time"),
            models.Index(fields=["job_id", "-id"], name="audit_job"),
            models.Index(fields=["job_id", "outcome", "reason"], name="audit_job_outcome"),
            models.Index(fields=["action", "-id"], name="audit_action"),
            models.Index(fields=["hubspot_id"], name="audit_hubspot_id"),
            models.Index(fields=["salesforce_id"], name="audit_salesforce_id"),
            models.Index(fields=["email"], name="audit_email"),
            # One (column, -id) index per review-page filter: the planner walks it
            # newest first and stops after a page, at any depth of the keyset.
            models.Index(fields=["status", "-id"], name="audit_status"),
            models.Index(fields=["direction", "-id"], name="audit_direction"),
            models.Index(fields=["object_type", "-id"], name="audit_object_type"),
            models.Index(fields=["actor_type", "actor_username", "-id"], name="audit_actor"),
            models.Index(fields=["error_category", "-id"], name="audit_error_category"),
            models.Index(
                fields=["action", "status", "direction", "-id"], name="audit_action_outcome"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.action} {self.object_type}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditTrailIsAppendOnly("Audit events cannot be edited.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditTrailIsAppendOnly(
            "Audit events cannot be deleted; retention prunes them by age only."
        )


class AuditPruneWindow(models.Model):
    """While a row exists, the database lets events older than ``cutoff`` be deleted.

    Retention is the only way events ever leave the trail. The database
    triggers refuse every UPDATE, and every DELETE of an event not older than
    a cutoff recorded here; the prune service writes the row, deletes, and
    removes the row in one transaction.
    """

    cutoff = models.DateTimeField()
    #: the writing transaction (PostgreSQL sets it): a row opens deletes in that one only
    txid = models.BigIntegerField(null=True, editable=False)

    def __str__(self) -> str:
        return f"prune before {self.cutoff:%Y-%m-%d %H:%M}"


def _ensure_audit_triggers(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    # After every ``migrate``: SQLite drops a table's triggers when a later
    # migration rebuilds it, and the minimum retention may have changed.
    if sender.name != "core":
        return
    from core.audit_triggers import audit_triggers_install

    audit_triggers_install(connections[using])


post_migrate.connect(_ensure_audit_triggers, dispatch_uid="core.audit_triggers")
