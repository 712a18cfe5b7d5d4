"""A job's work units: batches any worker on any host may take (``core.services.job_units``)."""

from __future__ import annotations

from django.db import models

from core.models.jobs import SyncJob


class JobUnit(models.Model):
    """One batch of a job's work, handed to whichever worker claims it first.

    ``payload`` is everything the handler needs (records, options), so a unit can run
    anywhere; ``result`` is what it hands back to the job that planned it. A unit whose
    worker stops beating (killed, crashed) goes back to *queued* and another takes it.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        DROPPED = "dropped", "Dropped"  # the job ended (cancelled, failed) before it ran

    job = models.ForeignKey(SyncJob, on_delete=models.CASCADE, related_name="units")
    seq = models.PositiveIntegerField()
    handler = models.CharField(max_length=100)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    payload = models.JSONField(default=dict)
    result = models.JSONField(default=dict, blank=True)
    #: what stopped it, for a failed unit: ``kind`` (cancelled, must_wait, error) and text
    error = models.JSONField(default=dict, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    #: which worker runs it ("host:pid")
    worker = models.CharField(max_length=100, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "seq"], name="job_unit_seq_unique"),
        ]
        indexes = [models.Index(fields=["job", "status"], name="job_unit_status")]

    def __str__(self) -> str:
        return f"unit {self.seq} of job #{self.job_id} ({self.status})"


class JobNote(models.Model):
    """A value the part of a job that plans its units posts for them while they run (the
    inclusion list's members of an id slice, once read): a unit that needs it waits for it
    (``job_note_wait``). Deleted with the job's units' payloads once the job's units end."""

    job = models.ForeignKey(SyncJob, on_delete=models.CASCADE, related_name="notes")
    key = models.CharField(max_length=100)
    value = models.JSONField(default=None, null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "key"], name="job_note_key_unique"),
        ]

    def __str__(self) -> str:
        return f"note {self.key} of job #{self.job_id}"
