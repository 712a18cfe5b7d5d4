"""Reads for the job pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from core.job_outcomes import OUTCOME_LABELS, skip_reason_label
from core.models import AuditEvent, SyncJob


@dataclass(frozen=True)
class OutcomeCount:
    """One bucket (or one skip reason) of a job, and the audit events that make it up."""

    key: str
    label: str
    count: int
    events_url: str
    reasons: tuple[OutcomeCount, ...] = ()


def _events_url(job: SyncJob, **filters: str) -> str:
    return f"{reverse('audit_log')}?{urlencode({'job': job.pk, **filters})}"


def job_outcomes(job: SyncJob) -> list[OutcomeCount]:
    """The job's buckets in page order; skipped broken down by reason, most first."""
    rows = []
    for outcome in SyncJob.OUTCOMES:
        reasons: tuple[OutcomeCount, ...] = ()
        if outcome == "skipped":
            by_reason = sorted((job.skipped_reasons or {}).items(), key=lambda kv: -kv[1])
            reasons = tuple(
                OutcomeCount(
                    key=code,
                    label=skip_reason_label(code),
                    count=count,
                    events_url=_events_url(job, outcome=outcome, reason=code),
                )
                for code, count in by_reason
                if count
            )
        rows.append(
            OutcomeCount(
                key=outcome,
                label=OUTCOME_LABELS[outcome],
                count=getattr(job, outcome),
                events_url=_events_url(job, outcome=outcome),
                reasons=reasons,
            )
        )
    return rows


def job_list(*, status: str = "", kind: str = "") -> QuerySet[SyncJob]:
    jobs = SyncJob.objects.select_related("requested_by")
    if status:
        jobs = jobs.filter(status=status)
    if kind:
        jobs = jobs.filter(kind=kind)
    return jobs


def job_active_list() -> QuerySet[SyncJob]:
    return job_list().filter(status__in=SyncJob.ACTIVE_STATUSES)


def job_events(*, job_id: int, limit: int = 50) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(job_id=job_id).order_by("-id")[:limit])


def job_ahead(*, job: SyncJob) -> SyncJob | None:
    """The job a queued job waits behind: the one just before it in its scope's line."""
    if job.status != SyncJob.Status.QUEUED:
        return None
    return (
        SyncJob.objects.filter(scope=job.scope, status__in=SyncJob.ACTIVE_STATUSES, pk__lt=job.pk)
        .order_by("-pk")
        .first()
    )


#: the audit actions that close a job's trail: once one is written nothing more comes
JOB_END_ACTIONS = ("job.finished", "job.cancelled", "job.abandoned")
#: how long after its end a job's page still polls if no closing event showed up
#: (the closing event is written just after the status flips)
JOB_SETTLE_S = 10
#: the progress bar's width in SVG units (the bar scales to the page)
BAR_WIDTH = 600


def job_settled(job: SyncJob) -> bool:
    """Nothing on the job's page will change any more: it ended and its trail is closed."""
    if job.is_active:
        return False
    if AuditEvent.objects.filter(job_id=job.pk, action__in=JOB_END_ACTIONS).exists():
        return True
    ended = job.finished_at or job.updated_at
    return ended is None or timezone.now() - ended > timedelta(seconds=JOB_SETTLE_S)


@dataclass(frozen=True)
class BarSegment:
    key: str
    label: str
    count: int
    x: float
    width: float


@dataclass(frozen=True)
class JobProgressBar:
    """The job's progress: records seen of the expected total (None while unknown),
    drawn as one segment per outcome bucket."""

    seen: int
    total: int | None
    segments: tuple[BarSegment, ...]
    width: int = BAR_WIDTH

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, round(100 * self.seen / self.total))

    @property
    def text(self) -> str:
        of = f"{self.total:,}" if self.total is not None else "?"
        tail = f" ({self.percent} %)" if self.percent is not None else ""
        return f"{self.seen:,} of {of} records{tail}"


def job_progress_bar(job: SyncJob) -> JobProgressBar:
    """Segments are scaled to the total when the run said one, else to what it has seen
    (the bar then shows the mix of outcomes, and the text says the total is unknown)."""
    scale = max(job.total or 0, job.seen, 1)
    segments, x = [], 0.0
    for outcome in SyncJob.OUTCOMES:
        count = getattr(job, outcome)
        if not count:
            continue
        width = BAR_WIDTH * count / scale
        segments.append(
            BarSegment(
                key=outcome,
                label=OUTCOME_LABELS[outcome],
                count=count,
                x=round(x, 1),
                width=round(width, 1),
            )
        )
        x += width
    # a total the run estimated can fall behind what it sees (records that changed while
    # it paged): the bar then says so as "seen of seen", never more than 100 %
    total = None if job.total is None else max(job.total, job.seen)
    return JobProgressBar(seen=job.seen, total=total, segments=tuple(segments))


def job_list_live(jobs: list[SyncJob]) -> bool:
    """A list of jobs still changes while one of them is active."""
    return any(job.is_active for job in jobs)
