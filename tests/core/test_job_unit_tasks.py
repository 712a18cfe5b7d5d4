"""The queue's tasks for a job's units: any task runs whichever units are queued, so a
worker that is free must find one even while busy clusters hold tasks they cannot
start yet."""

from __future__ import annotations

import pytest
from django_q.brokers import get_broker
from django_q.signing import SignedPackage

from core.models import JobUnit, SyncJob
from core.services.job_runtime import JobContext
from core.services.job_units import job_unit_handler_register, job_units_plan
from core.tasks import run_job_units
from tests.factories import SyncJobFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _noted(ctx, payload):
    return {"ran": payload["name"]}


job_unit_handler_register("tests.tasks.noted", _noted)


def test_a_free_worker_finds_a_task_while_a_busy_cluster_holds_one() -> None:
    job = SyncJobFactory(status=SyncJob.Status.RUNNING)
    broker = get_broker()
    while broker.dequeue():  # whatever an earlier test left on the queue
        pass

    job_units_plan(JobContext(job), handler="tests.tasks.noted", payloads=[{"name": "only"}])
    # a cluster whose worker is busy: its pusher takes a task it cannot start yet
    assert broker.dequeue()
    # a cluster whose worker is free looks next
    found = broker.dequeue()

    assert found, "the free worker found no task: the unit waits for the busy one"
    task = SignedPackage.loads(found[0][1])
    assert task["func"] == "core.tasks.run_job_units" and task["args"] == (job.pk,)
    assert run_job_units(*task["args"]) == "1 unit(s) run"
    unit = JobUnit.objects.get(job=job)
    assert (unit.status, unit.result) == (JobUnit.Status.DONE, {"ran": "only"})
