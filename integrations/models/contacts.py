"""Contact sync state: settings, property mappings, links, cursors, the Salesforce
mirror, and open per-record errors."""

from __future__ import annotations

from django.db import models


class ContactSyncSettings(models.Model):
    """The Contacts page's settings (one row)."""

    class CreateAs(models.TextChoices):
        LEAD = "Lead", "Leads"
        CONTACT = "Contact", "Contacts"

    #: blank: no inclusion list, every contact is eligible
    inclusion_list_id = models.CharField(max_length=20, blank=True)
    inclusion_list_name = models.CharField(max_length=255, blank=True)
    create_new_as = models.CharField(max_length=7, choices=CreateAs.choices, default=CreateAs.LEAD)
    auto_create_from_leads = models.BooleanField(default=False)
    auto_create_from_leads_since = models.DateTimeField(null=True, blank=True)
    auto_create_from_contacts = models.BooleanField(default=False)
    auto_create_from_contacts_since = models.DateTimeField(null=True, blank=True)
    schedule_minutes = models.PositiveIntegerField(default=15)
    #: why contact sync is paused (the inclusion list was deleted or is not active)
    paused_reason = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Contact sync ({self.inclusion_list_name or 'all contacts'})"

    @classmethod
    def load(cls) -> ContactSyncSettings:
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj


class PropertyMapping(models.Model):
    class Rule(models.TextChoices):
        PREFER_SALESFORCE = "prefer_salesforce", "Prefer Salesforce unless blank"
        ALWAYS_SALESFORCE = "always_salesforce", "Always use Salesforce"
        TWO_WAY = "two_way", "Two-way (most recent change wins)"
        DONT_SYNC = "dont_sync", "Don't sync"

    hubspot_property = models.CharField(max_length=100, unique=True)
    salesforce_field = models.CharField(max_length=100)
    rule = models.CharField(max_length=20, choices=Rule.choices, default=Rule.TWO_WAY)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.hubspot_property} <-> {self.salesforce_field} ({self.rule})"


class ContactLink(models.Model):
    """A HubSpot contact and the Salesforce lead/contact it syncs with. Never duplicated:
    both ids are unique, so a re-run after a crash finds the link instead of creating."""

    class Origin(models.TextChoices):
        SYNC = "sync", "Sync"
        AUTO_CREATE = "auto_create", "Created from Salesforce"
        IMPORT = "import", "Imported from Salesforce"

    hubspot_id = models.CharField(max_length=20, unique=True)
    salesforce_id = models.CharField(max_length=18, unique=True)
    salesforce_type = models.CharField(max_length=7)
    email = models.CharField(max_length=254, db_index=True)
    origin = models.CharField(max_length=12, choices=Origin.choices, default=Origin.SYNC)
    #: when the HubSpot contact was created (the multi-contact activity rule needs it)
    hubspot_created_at = models.DateTimeField(null=True, blank=True)
    #: the contact's HubSpot owner (the Assigned To rule of activities needs it)
    hubspot_owner_id = models.CharField(max_length=20, blank=True)
    #: mapped values as last written/seen on each side (the two-way rule compares them)
    hubspot_values = models.JSONField(default=dict)
    salesforce_values = models.JSONField(default=dict)
    hubspot_modified_at = models.DateTimeField(null=True, blank=True)
    salesforce_modified_at = models.DateTimeField(null=True, blank=True)
    first_synced_at = models.DateTimeField(auto_now_add=True)
    last_synced_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.email}: {self.hubspot_id} <-> {self.salesforce_id}"


class SalesforcePerson(models.Model):
    """Mirror of the Salesforce leads and contacts seen by the sync: matching by email
    needs no query per contact, and diffs need no extra reads."""

    salesforce_id = models.CharField(max_length=18, primary_key=True)
    salesforce_type = models.CharField(max_length=7)
    email = models.CharField(max_length=254, blank=True, db_index=True)
    values = models.JSONField(default=dict)
    created_at = models.DateTimeField(null=True, blank=True)
    modified_at = models.DateTimeField(null=True, blank=True)
    is_deleted = models.BooleanField(default=False)
    #: changed on Salesforce since the Salesforce -> HubSpot pass last looked
    pending = models.BooleanField(default=False, db_index=True)

    def __str__(self) -> str:
        return f"{self.salesforce_type} {self.salesforce_id} {self.email}"


class ContactCreateIntent(models.Model):
    """Written (and committed) just before a Salesforce create is sent for a HubSpot
    contact, deleted in the transaction that links what was created. One left behind
    means the outcome is unknown (a timeout, a lost answer, a killed worker): the
    record may exist in Salesforce. It is looked up by email before anything is
    created again, and the contact stays owed until it is found or known absent."""

    hubspot_id = models.CharField(max_length=20, unique=True)
    email = models.CharField(max_length=254, db_index=True)
    salesforce_type = models.CharField(max_length=7)
    job_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"creating {self.salesforce_type} for {self.email} (HubSpot {self.hubspot_id})"


class SyncCursor(models.Model):
    """Where an incremental stream resumes; advanced only after a page's writes commit."""

    stream = models.CharField(max_length=64, unique=True)
    #: e.g. a timestamp, or a timestamp and the ids already handled at it
    value = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.stream}={self.value}"


class RecordError(models.Model):
    """An open per-record failure: what Sync health lists and Retry clears."""

    class Category(models.TextChoices):
        DUPLICATE = "duplicate", "Duplicates"
        PERMISSION = "permission", "Permissions"
        VALIDATION = "validation", "Validation / picklist"
        ASSOCIATION = "association", "Missing association"
        RATE_LIMIT = "rate_limit", "Rate limit / API budget"
        AUTHENTICATION = "authentication", "Authentication"
        UNCONFIRMED = "unconfirmed", "Unconfirmed writes"
        OTHER = "other", "Other"

    object_type = models.CharField(max_length=20, default="contact")
    #: the record's identity on the side that failed (``hs:<id>`` or ``sf:<id>``)
    record_key = models.CharField(max_length=130)
    hubspot_id = models.CharField(max_length=20, blank=True)
    salesforce_id = models.CharField(max_length=18, blank=True)
    email = models.CharField(max_length=254, blank=True, db_index=True)
    direction = models.CharField(max_length=8, blank=True)
    category = models.CharField(max_length=20, choices=Category.choices)
    vendor_code = models.CharField(max_length=64, blank=True)
    message = models.TextField()
    job_id = models.BigIntegerField(null=True, blank=True)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)
    occurrences = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["object_type", "record_key"], name="one_open_error")
        ]

    def __str__(self) -> str:
        return f"{self.record_key}: {self.category} {self.message[:40]}"
