"""A running job's heartbeat, and the rule that declares a job dead.

While a worker runs a job, a thread of its own stamps ``SyncJob.heartbeat_at``
every ``JOB_HEARTBEAT_S``, whatever the job is doing: a job waiting 45 seconds
for one Salesforce answer is alive. A running job whose heartbeat is older
than ``JOB_STALE_AFTER_S`` is dead: its worker was killed, crashed or hangs.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.db import OperationalError, connection
from django.utils import timezone

from core.models import SyncJob
from core.services.job_runtime import owned_job

logger = logging.getLogger(__name__)


def job_stale_before(*, now: datetime | None = None) -> datetime:
    """A running job whose heartbeat is older than this is dead."""
    return (now or timezone.now()) - timedelta(seconds=settings.JOB_STALE_AFTER_S)


def job_silent_since(job: SyncJob) -> datetime | None:
    """When the worker of a job still marked running last reported, if that is too long ago."""
    if job.status != SyncJob.Status.RUNNING or job.heartbeat_at is None:
        return None
    return job.heartbeat_at if job.heartbeat_at < job_stale_before() else None


class JobHeartbeat:
    """``with JobHeartbeat(job_id=..., run_token=...):`` beats while the block runs.

    A daemon thread with its own database connection. It stops by itself once
    the job is no longer running under this claim, and is never waited for: on
    SQLite a beat may wait for another writer's lock, and the job must not.
    """

    def __init__(self, *, job_id: int, run_token: UUID, every_s: float | None = None) -> None:
        self.job_id = job_id
        self.run_token = run_token
        self.every_s = settings.JOB_HEARTBEAT_S if every_s is None else every_s
        self._stopped = threading.Event()
        self._thread = threading.Thread(
            target=self._beat_until_stopped, name=f"heartbeat-job-{job_id}", daemon=True
        )

    def __enter__(self) -> JobHeartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopped.set()

    def _beat_until_stopped(self) -> None:
        try:
            while not self._stopped.wait(self.every_s):
                try:
                    beating = owned_job(job_id=self.job_id, run_token=self.run_token).update(
                        heartbeat_at=timezone.now()
                    )
                except OperationalError as exc:  # "database is locked" on SQLite, a lost link
                    logger.warning("Job %s: heartbeat skipped (%s)", self.job_id, exc)
                    connection.close_if_unusable_or_obsolete()
                    continue
                if not beating:
                    return
        finally:
            connection.close()
