"""What a running job sees: progress counters, cancellation, ownership, its audit identity."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from core.models import SyncJob


class JobCancelled(Exception):
    """Raised inside a job when an admin cancelled it; the runner stops cleanly."""


class JobAbandoned(Exception):
    """Raised inside a job that is no longer its worker's: the watch declared it dead
    (or an admin ended it) and another job of its scope may be running now.

    Nothing may be written for it any more; the runner stops without touching the
    row, which whoever ended the job has already finished.
    """


def owned_job(*, job_id: int, run_token: UUID | None) -> QuerySet[SyncJob]:
    """The job's row while it is running under this claim, or nothing."""
    return SyncJob.objects.filter(pk=job_id, status=SyncJob.Status.RUNNING, run_token=run_token)


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
        self.run_token: UUID | None = job.run_token

    def ensure_owned(self) -> None:
        """Raise ``JobAbandoned`` unless this job is still running under our claim.

        Called before every write the job's clients send (``JobClients``), so a
        job declared dead never writes again, whatever code it is in.
        """
        if not owned_job(job_id=self.job_id, run_token=self.run_token).exists():
            raise JobAbandoned(f"Job #{self.job_id} is no longer run by this worker.")

    def progress(self, skipped_reasons: dict[str, int] | None = None, **deltas: int) -> None:
        """Add to counters (seen, the outcome buckets, hubspot_calls, salesforce_calls)
        and to the skipped records' reasons.

        Not the heartbeat: that is a thread of its own (``core.services.job_heartbeat``),
        so a job waiting a long time for one answer is not mistaken for a dead one.
        """
        allowed = set(SyncJob.COUNTERS) | {"hubspot_calls", "salesforce_calls"}
        unknown = set(deltas) - allowed
        if unknown:
            raise ValueError(f"Unknown job counters: {sorted(unknown)}")
        updates: dict[str, Any] = {name: F(name) + n for name, n in deltas.items() if n}
        job = SyncJob.objects.filter(pk=self.job_id)
        if skipped_reasons:
            with transaction.atomic():
                row = job.select_for_update().values_list("skipped_reasons", flat=True).get()
                merged = dict(row or {})
                for code, n in skipped_reasons.items():
                    merged[code] = merged.get(code, 0) + n
                job.update(updated_at=timezone.now(), skipped_reasons=merged, **updates)
            return
        job.update(updated_at=timezone.now(), **updates)

    def set_total(self, n: int) -> None:
        """How many records this run expects to look at, once it knows (a list's member
        count, a retry's records): the job page then shows "seen of total". Called again,
        the latest figure wins; a run that never calls it shows "seen of ?"."""
        if n < 0:
            raise ValueError(f"A job's total cannot be negative ({n}).")
        SyncJob.objects.filter(pk=self.job_id).update(updated_at=timezone.now(), total=n)

    def expect_more(self, n: int) -> None:
        """The run will look at about ``n`` records beyond those it has counted so far:
        the total becomes seen + ``n`` (in SQL, so counts other workers just added are in).
        For a run that learns its work a part at a time (HubSpot's contacts, then the
        Salesforce records still owed)."""
        if n < 0:
            raise ValueError(f"A job cannot expect a negative number of records ({n}).")
        SyncJob.objects.filter(pk=self.job_id).update(
            updated_at=timezone.now(), total=F("seen") + n
        )

    def total_is_seen(self) -> None:
        """At the end of a run that did all it had to: what it looked at is its total, so
        the page's last figure is true even where the total was an estimate (records
        that changed while it paged, ones read twice)."""
        SyncJob.objects.filter(pk=self.job_id).update(updated_at=timezone.now(), total=F("seen"))

    def is_cancelled(self) -> bool:
        return SyncJob.objects.filter(pk=self.job_id, cancel_requested=True).exists()

    def raise_if_cancelled(self) -> None:
        """Between batches: stop if an admin cancelled the job, or if it is no longer ours."""
        self.ensure_owned()
        if self.is_cancelled():
            raise JobCancelled()

    def counters(self) -> dict[str, int]:
        fields = (*SyncJob.COUNTERS, "hubspot_calls", "salesforce_calls")
        return SyncJob.objects.filter(pk=self.job_id).values(*fields).get()
