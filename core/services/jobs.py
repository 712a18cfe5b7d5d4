"""Starting, running, and cancelling sync jobs.

One job per scope at a time is enforced by a partial unique index
(``one_active_job_per_scope``): a second start while one is queued, running or
waiting gets the existing job back. Workers claim a job with a conditional
UPDATE, so a job is run by exactly one worker however many there are.
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID, uuid4

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task

from core.job_kinds import job_kind_get, job_kind_label
from core.models import AuditEvent, SyncJob
from core.services.audit import audit_record
from core.services.job_heartbeat import JobHeartbeat, job_stale_before
from core.services.job_runtime import (
    JobAbandoned,
    JobCancelled,
    JobContext,
    JobMustWait,
    owned_job,
)

logger = logging.getLogger(__name__)


def _job_audit(job: SyncJob, action: str, *, actor: AbstractBaseUser | None = None, **extra: Any):
    return audit_record(
        action=action,
        object_type="job",
        object_label=f"#{job.pk} {job_kind_label(job.kind)} ({job.scope})",
        actor=actor,
        job_id=job.pk,
        **extra,
    )


def _enqueue(job_id: int) -> None:
    try:
        async_task("core.tasks.run_job", job_id, task_name=f"syncjob-{job_id}")
    except Exception as exc:  # broker down: the job must not sit "queued" forever
        logger.exception("Could not queue job %s", job_id)
        SyncJob.objects.filter(pk=job_id, status=SyncJob.Status.QUEUED).update(
            status=SyncJob.Status.FAILED,
            error=f"Could not reach the job queue: {exc}",
            finished_at=timezone.now(),
        )


def job_reap_stale(*, scope: str) -> None:
    """Fail a running job of ``scope`` whose worker stopped reporting (killed, crashed, hung)."""
    for job in SyncJob.objects.filter(
        scope=scope, status=SyncJob.Status.RUNNING, heartbeat_at__lt=job_stale_before()
    ):
        claimed = SyncJob.objects.filter(
            pk=job.pk, status=SyncJob.Status.RUNNING, heartbeat_at__lt=job_stale_before()
        ).update(
            status=SyncJob.Status.FAILED,
            error="The worker running this job stopped responding; a new run can start.",
            finished_at=timezone.now(),
        )
        if claimed:
            job.refresh_from_db()
            _job_audit(
                job, "job.abandoned", status=AuditEvent.Status.FAILED, message=job.error or ""
            )


def job_start(
    *,
    kind: str,
    scope: str,
    trigger: str = SyncJob.Trigger.MANUAL,
    requested_by: AbstractBaseUser | None = None,
    params: dict[str, Any] | None = None,
) -> tuple[SyncJob, bool]:
    """Queue a job, or return the active job of the same scope. ``(job, created)``."""
    job_kind_get(kind)
    job_reap_stale(scope=scope)
    user = requested_by if requested_by is not None and requested_by.is_authenticated else None
    for _ in range(3):
        try:
            with transaction.atomic():
                job = SyncJob.objects.create(
                    kind=kind, scope=scope, trigger=trigger, requested_by=user, params=params or {}
                )
                _job_audit(job, "job.queued", actor=user, message=f"Trigger: {job.trigger}.")
                transaction.on_commit(lambda job_id=job.pk: _enqueue(job_id))
            return job, True
        except IntegrityError:
            existing = SyncJob.objects.filter(
                scope=scope, status__in=SyncJob.ACTIVE_STATUSES
            ).first()
            if existing is not None:
                return existing, False
            # the active job finished between our insert and our look-up: try again
    raise RuntimeError(f"Could not start a job for scope {scope!r}.")


def job_cancel(*, job: SyncJob, actor: AbstractBaseUser | None) -> SyncJob:
    """Cancel at once if no worker holds the job; otherwise ask the worker to stop."""
    now = timezone.now()
    stopped = SyncJob.objects.filter(
        pk=job.pk, status__in=[SyncJob.Status.QUEUED, SyncJob.Status.WAITING]
    ).update(status=SyncJob.Status.CANCELLED, cancel_requested=True, finished_at=now)
    if stopped:
        _job_audit(job, "job.cancelled", actor=actor, message="Cancelled before it ran.")
    elif SyncJob.objects.filter(pk=job.pk, status=SyncJob.Status.RUNNING).update(
        cancel_requested=True
    ):
        _job_audit(
            job,
            "job.cancel_requested",
            actor=actor,
            message="Cancel requested; the worker stops after its current batch.",
        )
    job.refresh_from_db()
    return job


def _claim(job_id: int) -> UUID | None:
    """Take the job for this worker: the claim's token, or None if it is not to be run."""
    token = uuid4()
    now = timezone.now()
    claimed = SyncJob.objects.filter(
        pk=job_id,
        status__in=[SyncJob.Status.QUEUED, SyncJob.Status.WAITING],
        cancel_requested=False,
    ).update(
        status=SyncJob.Status.RUNNING,
        started_at=now,
        heartbeat_at=now,
        run_token=token,
        waiting_reason="",
    )
    return token if claimed else None


def _finish(job_id: int, token: UUID, status: str, error: str = "") -> SyncJob | None:
    """End the job we hold; None if it was taken from us meanwhile (declared dead)."""
    if not owned_job(job_id=job_id, run_token=token).update(
        status=status, error=error, finished_at=timezone.now()
    ):
        return None
    return SyncJob.objects.get(pk=job_id)


def job_run(*, job_id: int) -> SyncJob | None:
    """Run a queued job in this worker (the django-q2 task calls this).

    A job another worker already claimed, or one cancelled or gone meanwhile,
    is left alone. While it runs, a heartbeat thread keeps it alive; a job the
    watch declared dead anyway (``JobAbandoned``) stops without a word, since
    whoever ended it has written its end.
    """
    token = _claim(job_id)
    if token is None:
        return SyncJob.objects.filter(pk=job_id).first()
    job = SyncJob.objects.get(pk=job_id)
    _job_audit(job, "job.started", message=f"Trigger: {job.trigger}.")
    with JobHeartbeat(job_id=job_id, run_token=token):
        ended = _run_kind(job, token)
    if ended is None:
        logger.warning("Job %s was ended while this worker ran it; it stopped.", job_id)
        return SyncJob.objects.get(pk=job_id)
    if ended.status == SyncJob.Status.WAITING:
        return ended
    _job_audit(
        ended,
        "job.finished",
        status=AuditEvent.Status.FAILED
        if ended.status in (SyncJob.Status.FAILED, SyncJob.Status.PARTIALLY_FAILED)
        else AuditEvent.Status.OK,
        message=job_summary(ended),
        error_category="job" if ended.status == SyncJob.Status.FAILED else "",
    )
    return ended


def _run_kind(job: SyncJob, token: UUID) -> SyncJob | None:
    """Run the job's kind to its end: the ended (or parked) row, None if no longer ours."""
    try:
        job_kind_get(job.kind).run(JobContext(job))
    except JobAbandoned:
        return None
    except JobCancelled:
        return _finish(job.pk, token, SyncJob.Status.CANCELLED)
    except JobMustWait as wait:
        return _park(job, token, wait)
    except Exception as exc:
        logger.exception("Job %s failed", job.pk)
        return _finish(job.pk, token, SyncJob.Status.FAILED, error=str(exc) or type(exc).__name__)
    failed = SyncJob.objects.filter(pk=job.pk).values_list("failed", flat=True).get()
    outcome = SyncJob.Status.PARTIALLY_FAILED if failed else SyncJob.Status.SUCCEEDED
    return _finish(job.pk, token, outcome)


def _park(job: SyncJob, token: UUID, wait: JobMustWait) -> SyncJob | None:
    """Status *waiting* with the reason, and a one-off schedule that resumes the job."""
    if not owned_job(job_id=job.pk, run_token=token).update(
        status=SyncJob.Status.WAITING, waiting_reason=wait.reason
    ):
        return None
    Schedule.objects.update_or_create(
        name=f"resume-syncjob-{job.pk}",
        defaults={
            "func": "core.tasks.run_job",
            "args": str(job.pk),
            "schedule_type": Schedule.ONCE,
            "next_run": wait.resume_at,
            "repeats": 1,
        },
    )
    _job_audit(job, "job.waiting", message=wait.reason)
    job.refresh_from_db()
    return job


def job_summary(job: SyncJob) -> str:
    parts = [f"{job.get_status_display()}."]
    parts.append(
        f"Seen {job.seen}, created {job.created}, updated {job.updated}, "
        f"skipped {job.skipped}, failed {job.failed}."
    )
    parts.append(f"API calls: HubSpot {job.hubspot_calls}, Salesforce {job.salesforce_calls}.")
    if job.error:
        parts.append(f"Error: {job.error}")
    return " ".join(parts)
