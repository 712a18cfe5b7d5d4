"""Activity sync state: per-type toggles, links, waiting activities, owner mapping."""

from __future__ import annotations

from django.db import models


class ActivityType(models.Model):
    """One toggle of the Activities page: a HubSpot timeline event type that becomes a
    Salesforce task, or a Salesforce activity kind that comes back to HubSpot."""

    class Direction(models.TextChoices):
        HUBSPOT_TO_SALESFORCE = "hs_to_sf", "HubSpot → Salesforce"
        SALESFORCE_TO_HUBSPOT = "sf_to_hs", "Salesforce → HubSpot"

    key = models.CharField(max_length=40, unique=True)
    direction = models.CharField(max_length=8, choices=Direction.choices)
    enabled = models.BooleanField(default=False)
    #: when it was last turned on: every time window is measured from here
    enabled_at = models.DateTimeField(null=True, blank=True)
    #: Salesforce Task ``Type`` for HubSpot -> Salesforce rows; blank: no task type
    task_type = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return f"{self.key} ({'on' if self.enabled else 'off'})"


class ActivityLink(models.Model):
    """One synced activity: at most one Salesforce task per HubSpot activity (and one
    HubSpot engagement per Salesforce task/event). Unique on the source's key, so a
    re-run after a crash updates instead of creating again."""

    class Source(models.TextChoices):
        HUBSPOT = "hubspot", "HubSpot"
        SALESFORCE = "salesforce", "Salesforce"

    source = models.CharField(max_length=10, choices=Source.choices)
    #: the activity's identity at its source, e.g. ``notes:1234`` or ``form:<conversionId>``
    source_key = models.CharField(max_length=120)
    type_key = models.CharField(max_length=40)
    salesforce_id = models.CharField(max_length=18, db_index=True)
    hubspot_id = models.CharField(max_length=120, blank=True, db_index=True)
    hubspot_contact_id = models.CharField(max_length=20, blank=True)
    subject = models.CharField(max_length=255, blank=True)
    owner_id = models.CharField(max_length=18, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "source_key"], name="one_link_per_activity")
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.source_key} -> {self.salesforce_id or self.hubspot_id}"


class WaitingActivity(models.Model):
    """A HubSpot activity owed to Salesforce: its contact has not synced yet (it goes when
    the contact syncs, the type's time window still applying), or its task is being
    written or was refused (tried again by every run until it syncs)."""

    type_key = models.CharField(max_length=40)
    source_key = models.CharField(max_length=120, unique=True)
    occurred_at = models.DateTimeField()
    #: how the contact is known: ``email:<address>`` or ``id:<hubspot id>`` (several for
    #: activities on several contacts)
    contacts = models.JSONField(default=list)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.type_key} {self.source_key} (waiting)"


class OwnerMapping(models.Model):
    """A HubSpot owner and the Salesforce user they are, matched by email (editable)."""

    hubspot_owner_id = models.CharField(max_length=20, unique=True)
    hubspot_email = models.CharField(max_length=254, blank=True)
    hubspot_name = models.CharField(max_length=255, blank=True)
    salesforce_user_id = models.CharField(max_length=18, blank=True)
    salesforce_email = models.CharField(max_length=254, blank=True)
    #: matched automatically by email (False once an admin chose the user)
    automatic = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.hubspot_email} -> {self.salesforce_user_id or 'unmatched'}"


class SkippedActivity(models.Model):
    """A HubSpot activity a run skipped (outside its window, on no contact), kept while the
    late-arrival overlap may read it again: a re-read is not counted or audited a second
    time. Pruned once the overlap has passed it."""

    source_key = models.CharField(max_length=120, unique=True)
    reason = models.CharField(max_length=40)
    skipped_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.source_key}: skipped ({self.reason})"
