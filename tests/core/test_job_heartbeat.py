"""A running job's heartbeat goes on whatever the job does; staleness is judged on it."""

import threading
import time
import uuid

import pytest
from django.db import OperationalError, connection
from django.utils import timezone

from core.models import SyncJob
from core.services import job_heartbeat
from core.services.job_heartbeat import JobHeartbeat
from core.services.jobs import job_reap_stale, job_run, job_start
from tests.workers import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def _running_job() -> tuple[SyncJob, uuid.UUID]:
    token = uuid.uuid4()
    job = SyncJob.objects.create(
        kind="test.count",
        scope="test:beat",
        trigger=SyncJob.Trigger.MANUAL,
        status=SyncJob.Status.RUNNING,
        heartbeat_at=timezone.now(),
        run_token=token,
    )
    return job, token


def _beat_of(job: SyncJob):
    return SyncJob.objects.values_list("heartbeat_at", flat=True).get(pk=job.pk)


def test_a_job_silent_for_longer_than_stale_after_is_alive_while_it_beats(settings) -> None:
    settings.JOB_STALE_AFTER_S = 1
    settings.JOB_HEARTBEAT_S = 0.2
    job, _ = job_start(kind="test.count", scope="test:beat", params={"steps": 1, "delay": 2.5})
    worker = threading.Thread(target=lambda: (job_run(job_id=job.pk), connection.close()))
    worker.start()
    wait_for(lambda: SyncJob.objects.get(pk=job.pk).seen == 1, what="the job to start")
    time.sleep(1.6)  # no progress for longer than JOB_STALE_AFTER_S
    job_reap_stale(scope="test:beat")
    assert SyncJob.objects.get(pk=job.pk).status == SyncJob.Status.RUNNING
    worker.join(10)
    job.refresh_from_db()
    assert job.status == SyncJob.Status.SUCCEEDED, job.error


def test_the_heartbeat_never_revives_a_job_that_was_ended() -> None:
    job, token = _running_job()
    with JobHeartbeat(job_id=job.pk, run_token=token, every_s=0.05):
        before = _beat_of(job)
        wait_for(lambda: _beat_of(job) > before, timeout=5, what="a beat")
        SyncJob.objects.filter(pk=job.pk).update(status=SyncJob.Status.FAILED)
        ended_at = _beat_of(job)
        time.sleep(0.3)
        assert _beat_of(job) == ended_at


def test_a_locked_database_skips_a_beat_and_the_next_one_lands(monkeypatch) -> None:
    job, token = _running_job()
    real, failures = job_heartbeat.owned_job, []

    def locked_once(**kwargs):
        if not failures:
            failures.append(1)
            raise OperationalError("database is locked")
        return real(**kwargs)

    monkeypatch.setattr(job_heartbeat, "owned_job", locked_once)
    before = _beat_of(job)
    with JobHeartbeat(job_id=job.pk, run_token=token, every_s=0.05):
        wait_for(lambda: _beat_of(job) > before, timeout=5, what="a beat after the lock")
    assert failures == [1]
