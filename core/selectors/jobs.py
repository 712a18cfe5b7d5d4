"""Reads for the job pages."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import reverse

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
