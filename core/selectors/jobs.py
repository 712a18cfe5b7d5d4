"""Reads for the job pages."""

from __future__ import annotations

from django.db.models import QuerySet

from core.models import AuditEvent, SyncJob


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
