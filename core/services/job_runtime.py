"""What a running job sees: progress counters, cancellation, its audit identity."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import F
from django.utils import timezone

from core.models import SyncJob


class JobCancelled(Exception):
    """Raised inside a job when an admin cancelled it; the runner stops cleanly."""


class JobMustWait(Exception):
    """Raised inside a job that cannot go on before ``resume_at`` (API budget spent, ...).

    The job is parked in status *waiting* with ``reason`` shown on its page,
    and a worker picks it up again at ``resume_at``.
    """

    def __init__(self, reason: str, *, resume_at: datetime) -> None:
        super().__init__(reason)
        self.reason = reason
        self.resume_at = resume_at


class JobContext:
    """Handed to a job kind's ``run``. Counters are added with SQL increments,
    so several workers can report into one job without losing counts."""

    def __init__(self, job: SyncJob) -> None:
        self.job_id: int = job.pk
        self.kind: str = job.kind
        self.scope: str = job.scope
        self.trigger: str = job.trigger
        self.params: dict[str, Any] = dict(job.params)
        self.requested_by_id: int | None = job.requested_by_id

    def progress(self, **deltas: int) -> None:
        """Add to counters (seen, created, ..., hubspot_calls, salesforce_calls).

        Also the heartbeat: a running job whose row stops changing is
        considered dead after ``JOB_STALE_AFTER_S``.
        """
        allowed = set(SyncJob.COUNTERS) | {"hubspot_calls", "salesforce_calls"}
        unknown = set(deltas) - allowed
        if unknown:
            raise ValueError(f"Unknown job counters: {sorted(unknown)}")
        updates: dict[str, Any] = {name: F(name) + n for name, n in deltas.items() if n}
        SyncJob.objects.filter(pk=self.job_id).update(updated_at=timezone.now(), **updates)

    def is_cancelled(self) -> bool:
        return SyncJob.objects.filter(pk=self.job_id, cancel_requested=True).exists()

    def raise_if_cancelled(self) -> None:
        if self.is_cancelled():
            raise JobCancelled()

    def counters(self) -> dict[str, int]:
        fields = (*SyncJob.COUNTERS, "hubspot_calls", "salesforce_calls")
        return SyncJob.objects.filter(pk=self.job_id).values(*fields).get()
