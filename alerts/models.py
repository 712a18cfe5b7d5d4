"""Alerts: where notifications go (channels), when they are sent (rules), what is wrong
now (incidents) and what was sent (notifications and their deliveries)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from integrations.models import SecretField

#: "open errors grow by more than N in an hour": N's bounds (a larger N never fires)
ERROR_GROWTH_MIN = 1
ERROR_GROWTH_MAX = 100_000
ERROR_GROWTH_DEFAULT = 50


class AlertChannel(models.Model):
    class Kind(models.TextChoices):
        EMAIL = "email", "Email"
        WEBHOOK = "webhook", "Webhook"

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    enabled = models.BooleanField(default=True)
    #: email: the recipients, one address a line
    recipients = models.TextField(blank=True)
    #: webhook: where the JSON is POSTed
    url = models.URLField(max_length=500, blank=True)
    #: webhook: the HMAC-SHA256 key of ``X-Syncadmin-Signature`` (Fernet ciphertext)
    secret = SecretField(blank=True)
    secret_set_at = models.DateTimeField(null=True, blank=True)
    secret_set_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} channel {self.name}"

    @property
    def recipient_list(self) -> list[str]:
        return [line for line in self.recipients.splitlines() if line]


class AlertRules(models.Model):
    """Which rules raise incidents (one row). Every rule is on until an admin turns it off."""

    job_failed = models.BooleanField(default=True)
    error_new_category = models.BooleanField(default=True)
    error_growth = models.BooleanField(default=True)
    error_growth_threshold = models.PositiveIntegerField(default=ERROR_GROWTH_DEFAULT)
    auth_failed = models.BooleanField(default=True)
    budget = models.BooleanField(default=True)
    list_paused = models.BooleanField(default=True)
    reconcile = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return "Alert rules"

    @classmethod
    def load(cls) -> AlertRules:
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj


class Incident(models.Model):
    """A condition a human should look at, open from when evaluation first saw it until
    evaluation no longer does. At most one open incident per key (the database says so)."""

    #: what is wrong, stable while it stays wrong (``job:contacts.sync``, ``auth:salesforce``)
    key = models.CharField(max_length=120)
    #: the ``AlertRules`` field that raised it
    rule = models.CharField(max_length=40)
    title = models.CharField(max_length=255)
    text = models.TextField(blank=True)
    #: the page that shows what to do (``/jobs/12/``, ``/connections/``)
    link_path = models.CharField(max_length=200, blank=True)
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    #: why it closed without a recovery notice (its rule was turned off); blank: it cleared
    closed_reason = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=Q(closed_at__isnull=True), name="one_open_incident"
            )
        ]

    def __str__(self) -> str:
        return f"{self.key} ({'open' if self.closed_at is None else 'closed'})"


class Notification(models.Model):
    """What was said about an incident (or a channel test): one per event, sent to every
    enabled channel as one ``Delivery`` each."""

    class Event(models.TextChoices):
        OPENED = "opened", "Incident"
        RECOVERED = "recovered", "Recovered"
        TEST = "test", "Test"

    incident = models.ForeignKey(Incident, null=True, blank=True, on_delete=models.CASCADE)
    event = models.CharField(max_length=10, choices=Event.choices)
    title = models.CharField(max_length=255)
    text = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # an incident is announced once and recovers once, however many evaluate it
            models.UniqueConstraint(
                fields=["incident", "event"],
                condition=Q(incident__isnull=False),
                name="one_notification_per_incident_event",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()}: {self.title}"


class Delivery(models.Model):
    """One notification to one channel: tried by a worker until it is sent or gives up."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE)
    channel = models.ForeignKey(AlertChannel, null=True, blank=True, on_delete=models.SET_NULL)
    #: the channel's name when the delivery was made: the log outlives the channel
    channel_label = models.CharField(max_length=120)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    #: the last attempt's error (blank once sent)
    error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="one_delivery_per_channel"
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"{self.notification} → {self.channel_label}: {self.status}"


class DeliveryAttempt(models.Model):
    """One try of a delivery, as the delivery log lists it."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="tries")
    number = models.PositiveIntegerField()
    ok = models.BooleanField()
    #: what the other end answered (``HTTP 200``, ``250 OK``) or why it failed
    detail = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"attempt {self.number}: {'ok' if self.ok else 'failed'}"
