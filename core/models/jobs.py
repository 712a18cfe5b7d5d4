"""Sync jobs: one row per run, its counters read live by the job page."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class SyncJob(models.Model):
    class Trigger(models.TextChoices):
        MANUAL = "manual", "Manual"
        SCHEDULE = "schedule", "Schedule"
        CHANGE = "change", "Change"
        IMPORT = "import", "Import"
        RETRY = "retry", "Retry"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        WAITING = "waiting", "Waiting"
        SUCCEEDED = "succeeded", "Succeeded"
        PARTIALLY_FAILED = "partially_failed", "Partially failed"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING, Status.WAITING)
    #: the statuses that hold the scope: at most one job per scope is in one of them
    HOLDING_STATUSES = (Status.RUNNING, Status.WAITING)
    #: ``seen`` is the sum of the outcome buckets: each record a run looks at lands in
    #: exactly one, and each bucket's count equals the job's audit events of that outcome
    OUTCOMES = ("created", "updated", "linked", "unchanged", "skipped", "failed")
    COUNTERS = ("seen", *OUTCOMES)

    kind = models.CharField(max_length=40)
    scope = models.CharField(max_length=255)
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    params = models.JSONField(default=dict, blank=True)
    #: what was asked (kind and params): an identical request joins this job while it is
    #: active instead of queueing a second one (``core.services.jobs.job_request_key``)
    request_key = models.CharField(max_length=64, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    seen = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    linked = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    #: ``{reason code: count}`` of the skipped records (``integrations.engine.outcomes``)
    skipped_reasons = models.JSONField(default=dict, blank=True)
    failed = models.PositiveIntegerField(default=0)
    #: how many records the run expects to look at, once it knows (``JobContext.set_total``);
    #: empty while unknown, and the page then shows "N of ?" rather than a guess
    total = models.PositiveIntegerField(null=True, blank=True)
    hubspot_calls = models.PositiveIntegerField(default=0)
    salesforce_calls = models.PositiveIntegerField(default=0)
    cancel_requested = models.BooleanField(default=False)
    #: stamped by the worker's heartbeat thread while the job runs: a running job whose
    #: heartbeat is older than ``JOB_STALE_AFTER_S`` is dead (see ``core.services.job_heartbeat``)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    #: new at every claim: only the worker holding it may write for the job
    run_token = models.UUIDField(null=True, blank=True)
    #: why a job in status *waiting* waits (API budget, rate limit, ...)
    waiting_reason = models.TextField(blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # The database, not a check-then-insert, guarantees that two jobs of one
            # scope never run at once (a job parked by the budget still holds its
            # scope), while any number wait their turn in status queued: concurrent
            # claims, clicks and web processes race here safely.
            models.UniqueConstraint(
                fields=["scope"],
                condition=Q(status__in=["running", "waiting"]),
                name="one_running_job_per_scope",
            ),
            # ... and that two identical requests made at once queue one job, not two.
            models.UniqueConstraint(
                fields=["scope", "request_key"],
                condition=Q(status="queued"),
                name="one_queued_job_per_request",
            ),
        ]
        indexes = [models.Index(fields=["status", "-created_at"], name="job_status")]

    def __str__(self) -> str:
        return f"Job #{self.pk} {self.kind} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def duration_s(self) -> float | None:
        if not self.started_at:
            return None
        end = self.finished_at or self.updated_at
        return (end - self.started_at).total_seconds()
