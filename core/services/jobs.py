"""Starting, running, and cancelling sync jobs.

Jobs of one scope run one at a time, the others queued behind in order
(``core.services.job_queue``). Workers claim a job with a conditional UPDATE,
so a job is run by exactly one worker however many there are, and each claim
gets a fresh token: a worker whose job was declared dead (its heartbeat
stopped, ``core.services.job_heartbeat``) can never write for it again.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from typing import Any, NamedTuple
from uuid import UUID, uuid4

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django_q.models import Schedule

from core.job_kinds import job_kind_get, job_kind_label
from core.models import AuditEvent, SyncJob
from core.services.audit import audit_record
from core.services.job_heartbeat import JobHeartbeat, job_silent_since, job_stale_before
from core.services.job_queue import (
    first_in_line,
    job_identical_active,
    job_last_in_line,
    job_queue_advance_on_commit,
    job_queues_advance,
    job_request_key,
)
from core.services.job_runtime import (
    JobAbandoned,
    JobCancelled,
    JobContext,
    JobMustWait,
    owned_job,
)
from core.services.job_units import job_units_abandon, job_units_clear
from core.services.schedules import schedule_every

logger = logging.getLogger(__name__)
#: the django-q2 schedule of ``job_watch``
WATCH_SCHEDULE = "job-watch"


def _job_audit(job: SyncJob, action: str, *, actor: AbstractBaseUser | None = None, **extra: Any):
    return audit_record(
        action=action,
        object_type="job",
        object_label=f"#{job.pk} {job_kind_label(job.kind)} ({job.scope})",
        actor=actor,
        job_id=job.pk,
        **extra,
    )


def _end_silent(
    job: SyncJob, *, status: str, error: str, action: str, actor: AbstractBaseUser | None = None
) -> bool:
    """End a running job whose heartbeat stopped, audited, and hand its scope to the next
    job. False if it is alive (it beat meanwhile) or not running."""
    ended = SyncJob.objects.filter(
        pk=job.pk, status=SyncJob.Status.RUNNING, heartbeat_at__lt=job_stale_before()
    ).update(status=status, error=error, finished_at=timezone.now())
    if ended:
        job_units_abandon(job_id=job.pk)
        job.refresh_from_db()
        failed = status == SyncJob.Status.FAILED
        _job_audit(
            job,
            action,
            actor=actor,
            message=error,
            status=AuditEvent.Status.FAILED if failed else AuditEvent.Status.OK,
        )
        job_queue_advance_on_commit(scope=job.scope)
    return bool(ended)


def job_reap_stale(*, scope: str | None = None) -> list[SyncJob]:
    """Fail every running job (of ``scope``) whose worker stopped reporting: killed,
    crashed or hung. Its writes are refused from now on (``JobAbandoned``)."""
    silent = SyncJob.objects.filter(
        status=SyncJob.Status.RUNNING, heartbeat_at__lt=job_stale_before()
    )
    if scope is not None:
        silent = silent.filter(scope=scope)
    return [
        job
        for job in silent
        if _end_silent(
            job,
            status=SyncJob.Status.FAILED,
            error="The worker running this job stopped responding; the next job can start.",
            action="job.abandoned",
        )
    ]


def job_watch() -> tuple[list[SyncJob], list[SyncJob]]:
    """Every minute: end the jobs whose worker died (``job_reap_stale``), and hand over the
    first in line of every scope nobody advanced. ``(ended, handed over)``."""
    return job_reap_stale(), job_queues_advance()


def job_watch_schedule_ensure() -> Schedule:
    return schedule_every(name=WATCH_SCHEDULE, func="core.tasks.watch_jobs", minutes=1)


class JobStartOutcome(StrEnum):
    #: a new job, first in line: handed to a worker now
    STARTED = "started"
    #: an identical request was active: that job is returned
    JOINED = "joined"
    #: a new job, queued behind the job of its scope that runs (or behind others queued)
    QUEUED = "queued"


class JobStart(NamedTuple):
    """What ``job_start`` did; unpacks as ``job, outcome``."""

    job: SyncJob
    outcome: JobStartOutcome


def job_start(
    *,
    kind: str,
    scope: str,
    trigger: str = SyncJob.Trigger.MANUAL,
    requested_by: AbstractBaseUser | None = None,
    params: dict[str, Any] | None = None,
) -> JobStart:
    """Join the active job that asked for exactly this, or queue a new one.

    A new job runs at once if nothing else of its scope is running, waiting or
    queued; otherwise it waits its turn (``job_queue``).
    """
    job_kind_get(kind)
    job_reap_stale(scope=scope)
    user = requested_by if requested_by is not None and requested_by.is_authenticated else None
    params = params or {}
    key = job_request_key(kind=kind, params=params)
    for _ in range(3):
        same = job_identical_active(scope=scope, request_key=key)
        if same is not None:
            return JobStart(same, JobStartOutcome.JOINED)
        try:
            with transaction.atomic():
                ahead = job_last_in_line(scope=scope)
                job = SyncJob.objects.create(
                    kind=kind,
                    scope=scope,
                    trigger=trigger,
                    requested_by=user,
                    params=params,
                    request_key=key,
                )
                turn = (
                    f"Queued behind job #{ahead.pk}: it starts when #{ahead.pk} finishes."
                    if ahead
                    else "Nothing else of its scope is active: it starts now."
                )
                _job_audit(job, "job.queued", actor=user, message=f"Trigger: {job.trigger}. {turn}")
                job_queue_advance_on_commit(scope=scope, only=job.pk)
            return JobStart(job, JobStartOutcome.QUEUED if ahead else JobStartOutcome.STARTED)
        except IntegrityError:
            pass  # the same request was queued meanwhile: join it
    raise RuntimeError(f"Could not start a job for scope {scope!r}.")


def job_cancel(*, job: SyncJob, actor: AbstractBaseUser | None) -> SyncJob:
    """Cancel at once if no live worker holds the job; otherwise ask the worker to stop.

    A running job whose worker stopped reporting is ended at once: nobody is left
    to stop it after its batch.
    """
    silent_since = job_silent_since(job)
    if silent_since is None or not _end_silent(
        job,
        status=SyncJob.Status.CANCELLED,
        error=(
            "Cancelled at once: the worker running this job had stopped (no report since "
            f"{timezone.localtime(silent_since):%H:%M:%S})."
        ),
        action="job.cancelled",
        actor=actor,
    ):
        _cancel_or_ask(job, actor=actor)
    job_reap_stale(scope=job.scope)
    job.refresh_from_db()
    return job


def _cancel_or_ask(job: SyncJob, *, actor: AbstractBaseUser | None) -> None:
    stopped = SyncJob.objects.filter(
        pk=job.pk, status__in=[SyncJob.Status.QUEUED, SyncJob.Status.WAITING]
    ).update(status=SyncJob.Status.CANCELLED, cancel_requested=True, finished_at=timezone.now())
    if stopped:
        _job_audit(job, "job.cancelled", actor=actor, message="Cancelled before it ran.")
        job_queue_advance_on_commit(scope=job.scope)
    elif SyncJob.objects.filter(pk=job.pk, status=SyncJob.Status.RUNNING).update(
        cancel_requested=True
    ):
        _job_audit(
            job,
            "job.cancel_requested",
            actor=actor,
            message="Cancel requested; the worker stops after its current batch.",
        )


def _claim(job_id: int) -> UUID | None:
    """Take the job for this worker: the claim's token, or None if it is not to be run.

    Refused: a job cancelled or ended meanwhile, a queued job with an older one of
    its scope queued ahead, and (by the index) one whose scope is busy; those stay
    queued until the line reaches them.
    """
    token = uuid4()
    now = timezone.now()
    try:
        with transaction.atomic():
            claimed = (
                SyncJob.objects.filter(pk=job_id, cancel_requested=False)
                .filter(first_in_line() | Q(status=SyncJob.Status.WAITING))
                .update(
                    status=SyncJob.Status.RUNNING,
                    started_at=now,
                    heartbeat_at=now,
                    run_token=token,
                    waiting_reason="",
                )
            )
    except IntegrityError:  # another job of the scope runs or waits
        return None
    return token if claimed else None


def _finish(job_id: int, token: UUID, status: str, error: str = "") -> SyncJob | None:
    """End the job we hold; None if it was taken from us meanwhile (declared dead)."""
    if not owned_job(job_id=job_id, run_token=token).update(
        status=status, error=error, finished_at=timezone.now()
    ):
        return None
    job = SyncJob.objects.get(pk=job_id)
    job_queue_advance_on_commit(scope=job.scope)
    return job


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
    job_units_clear(job_id=job_id)
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
    _job_finished_hooks(ended)
    return ended


def _job_finished_hooks(job: SyncJob) -> None:
    """Call each of ``JOB_FINISHED_HOOKS`` (alerts) with the ended job: a hook that fails is
    logged, and the job stays as it ended."""
    for path in settings.JOB_FINISHED_HOOKS:
        try:
            import_string(path)(job)
        except Exception:
            logger.exception("Job-finished hook %s failed for job %s", path, job.pk)


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
    buckets = ", ".join(f"{name} {getattr(job, name)}" for name in SyncJob.OUTCOMES)
    parts.append(f"Seen {job.seen}: {buckets}.")
    parts.append(f"API calls: HubSpot {job.hubspot_calls}, Salesforce {job.salesforce_calls}.")
    if job.error:
        parts.append(f"Error: {job.error}")
    return " ".join(parts)
