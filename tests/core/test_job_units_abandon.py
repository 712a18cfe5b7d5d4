"""A fanned-out job whose own worker died is ended by the watch; its units not yet
started never run, and no unit keeps the contacts it carried."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import JobUnit, SyncJob
from core.services.job_units import job_unit_handler_register, job_units_work
from core.services.jobs import job_reap_stale
from tests.factories import SyncJobFactory

pytestmark = pytest.mark.django_db

RAN: list[str] = []


def _record_run(ctx, payload):
    RAN.append(payload["email"])
    return {"ok": True}


job_unit_handler_register("tests.abandon", _record_run)


def test_a_dead_jobs_units_are_dropped_and_forget_their_records() -> None:
    long_ago = timezone.now() - timedelta(hours=1)
    job = SyncJobFactory(status=SyncJob.Status.RUNNING, started_at=long_ago, heartbeat_at=long_ago)
    done = JobUnit.objects.create(
        job=job, seq=0, handler="tests.abandon", status=JobUnit.Status.DONE,
        payload={"email": "ran@example.com"}, result={"ok": True},
    )  # fmt: skip
    queued = JobUnit.objects.create(
        job=job, seq=1, handler="tests.abandon", payload={"email": "ada@example.com"}
    )
    other = SyncJobFactory(status=SyncJob.Status.RUNNING, heartbeat_at=timezone.now())
    alive = JobUnit.objects.create(
        job=other, seq=0, handler="tests.abandon", payload={"email": "bo@example.com"}
    )

    assert job_reap_stale() == [job]

    queued.refresh_from_db()
    done.refresh_from_db()
    assert queued.status == JobUnit.Status.DROPPED and queued.payload == {}
    assert done.status == JobUnit.Status.DONE and done.payload == {}
    assert done.result == {"ok": True}  # who ran what stays
    # a worker that takes the dead job's task later runs nothing
    RAN.clear()
    assert job_units_work(job_id=job.pk) == 0 and RAN == []
    # a job that is alive keeps its units and their records
    alive.refresh_from_db()
    assert alive.status == JobUnit.Status.QUEUED and alive.payload == {"email": "bo@example.com"}
