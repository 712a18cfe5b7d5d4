"""What Reconcile found when it compared HubSpot and Salesforce record by record."""

from __future__ import annotations

from django.db import models


class ReconcileFinding(models.Model):
    """One disagreement between the two systems, open until a Reconcile run no longer
    finds it (or Fix clears it). Sync health lists them by kind."""

    class Kind(models.TextChoices):
        MISSING_IN_SALESFORCE = "missing_in_salesforce", "Missing in Salesforce"
        MISSING_IN_HUBSPOT = "missing_in_hubspot", "Missing in HubSpot"
        FIELD_DRIFT = "field_drift", "Field drift"
        DUPLICATE = "duplicate", "Duplicate"
        ORPHANED_LINK = "orphaned_link", "Orphaned link"
        ACTIVITY_NOT_SYNCED = "activity_not_synced", "Activity not synced"

    kind = models.CharField(max_length=24, choices=Kind.choices)
    object_type = models.CharField(max_length=20, default="contact")
    #: the record's identity for this kind (``hs:<id>``, ``sf:<id>``, ``email:<addr>``, ...)
    record_key = models.CharField(max_length=130)
    hubspot_id = models.CharField(max_length=40, blank=True)
    salesforce_id = models.CharField(max_length=18, blank=True)
    email = models.CharField(max_length=254, blank=True, db_index=True)
    #: field drift: the HubSpot property of the mapping that drifted
    field = models.CharField(max_length=100, blank=True)
    hubspot_value = models.TextField(blank=True)
    salesforce_value = models.TextField(blank=True)
    #: what the mapping's rule says both sides should hold (field drift)
    expected_value = models.TextField(blank=True)
    #: anything else the page shows (e.g. the records sharing an email, which one is linked)
    details = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)
    job_id = models.BigIntegerField(null=True, blank=True)
    found_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "record_key", "field"], name="one_open_finding")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.record_key} {self.field}".strip()


class ReconcileSettings(models.Model):
    """Reconcile's schedule (one row): how often the scheduled run compares both sides."""

    DEFAULT_EVERY_HOURS = 24
    #: at least hourly is pointless (a Reconcile reads every record), at most weekly
    MIN_EVERY_HOURS = 1
    MAX_EVERY_HOURS = 168

    every_hours = models.PositiveIntegerField(default=DEFAULT_EVERY_HOURS)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Reconcile every {self.every_hours} h"

    @classmethod
    def load(cls) -> ReconcileSettings:
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj


class ReconcileSnapshot(models.Model):
    """What one Reconcile run read from a vendor, one compact row per record, so the run
    compares batch by batch from the database instead of holding both systems in memory.
    Scoped to the run's job and deleted when it starts and ends."""

    class Side(models.TextChoices):
        HUBSPOT = "hubspot", "HubSpot contact"
        SALESFORCE = "salesforce", "Salesforce lead or contact"
        TASK = "task", "Salesforce task the sync wrote"
        HUBSPOT_ACTIVITY = "hs_activity", "HubSpot activity"
        SALESFORCE_ACTIVITY = "sf_activity", "Salesforce activity"
        ENGAGEMENT = "engagement", "HubSpot engagement the sync wrote"

    job_id = models.BigIntegerField()
    side = models.CharField(max_length=12, choices=Side.choices)
    #: what the side is looked up by: a HubSpot id, a 15-character Salesforce id, the
    #: HubSpot activity a task's marker names, the Salesforce id an engagement's token names
    key = models.CharField(max_length=130)
    vendor_id = models.CharField(max_length=64, blank=True)
    email = models.TextField(blank=True)
    #: Lead/Contact, or the activity type's key
    type = models.CharField(max_length=40, blank=True)
    #: a HubSpot contact that is owed a Salesforce record (has an email, in the list)
    eligible = models.BooleanField(default=False)
    #: the record's mapped values and stamps, as the vendor returned them
    values = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["job_id", "side", "key", "vendor_id", "type"], name="one_snapshot_row"
            )
        ]
        indexes = [models.Index(fields=["job_id", "side", "email"], name="snapshot_by_email")]

    def __str__(self) -> str:
        return f"{self.side} {self.key}"
