"""Units that wait for what their job learns while they run: a note the planner posts,
the units of another handler; and a planner that fails halts its units."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from core.models import JobNote, JobUnit, SyncJob
from core.services.job_runtime import JobCancelled, JobContext, JobMustWait
from core.services.job_units import (
    UnitsHalted,
    job_note_post,
    job_note_wait,
    job_unit_handler_register,
    job_units_finish,
    job_units_halt,
    job_units_wait,
)
from tests.factories import SyncJobFactory

pytestmark = pytest.mark.django_db(transaction=True)

RAN: list[str] = []


def _pull(ctx, payload):
    RAN.append(payload["name"])
    if payload.get("budget"):
        raise JobMustWait("budget spent", resume_at=timezone.now() + timedelta(hours=1))
    return {"pulled": payload["name"]}


job_unit_handler_register("tests.pull", _pull)


def _running_job() -> tuple[SyncJob, JobContext]:
    job = SyncJobFactory(status=SyncJob.Status.RUNNING)
    return job, JobContext(job)


def _post_later(ctx: JobContext, key: str, value, after_s: float) -> threading.Thread:
    def post() -> None:
        time.sleep(after_s)
        job_note_post(ctx, key, value)
        connection.close()

    thread = threading.Thread(target=post)
    thread.start()
    return thread


def test_a_unit_waits_for_the_note_its_planner_posts_later() -> None:
    _, ctx = _running_job()
    poster = _post_later(ctx, "members.0", ["101", "102"], after_s=0.5)
    started = time.monotonic()
    assert job_note_wait(ctx, "members.0") == ["101", "102"]
    assert time.monotonic() - started >= 0.4
    poster.join()


def test_a_waiting_unit_stops_when_its_planner_halts_the_job() -> None:
    _, ctx = _running_job()
    halter = _post_later(ctx, "job.halted", "the list could not be read", after_s=0.3)
    with pytest.raises(UnitsHalted, match="the list could not be read"):
        job_note_wait(ctx, "members.0")
    halter.join()


def test_a_waiting_unit_stops_when_the_job_is_cancelled() -> None:
    job, ctx = _running_job()
    SyncJob.objects.filter(pk=job.pk).update(cancel_requested=True)
    with pytest.raises(JobCancelled):
        job_note_wait(ctx, "members.0")


def test_waiting_for_a_handler_runs_its_queued_units_here() -> None:
    """A unit put back on the queue after its worker died must not wait for a free
    worker while the one waiting for it holds this one: the waiter runs it itself."""
    job, ctx = _running_job()
    for seq, name in enumerate(["leads", "contacts"]):
        JobUnit.objects.create(job=job, seq=seq, handler="tests.pull", payload={"name": name})
    RAN.clear()
    job_units_wait(ctx, handler="tests.pull")
    assert RAN == ["leads", "contacts"]
    assert set(JobUnit.objects.values_list("status", flat=True)) == {JobUnit.Status.DONE}


def test_waiting_for_a_handler_raises_as_its_failed_unit_did() -> None:
    job, ctx = _running_job()
    JobUnit.objects.create(
        job=job, seq=0, handler="tests.pull", payload={"name": "leads", "budget": True}
    )
    with pytest.raises(JobMustWait, match="budget spent"):
        job_units_wait(ctx, handler="tests.pull")


def test_a_halt_drops_the_queued_units_waits_for_the_running_and_forgets_payloads() -> None:
    job, ctx = _running_job()
    running = JobUnit.objects.create(
        job=job, seq=0, handler="tests.pull", status=JobUnit.Status.RUNNING,
        payload={"name": "a"}, heartbeat_at=timezone.now(),
    )  # fmt: skip
    queued = JobUnit.objects.create(job=job, seq=1, handler="tests.pull", payload={"name": "b"})
    job_note_post(ctx, "members.0", ["1"])

    def finish_running() -> None:
        time.sleep(0.5)
        JobUnit.objects.filter(pk=running.pk).update(status=JobUnit.Status.DONE)
        connection.close()

    finisher = threading.Thread(target=finish_running)
    finisher.start()
    started = time.monotonic()
    job_units_halt(ctx, why="boom")
    finisher.join()
    assert time.monotonic() - started >= 0.4  # it waited for the running unit
    queued.refresh_from_db()
    assert queued.status == JobUnit.Status.DROPPED
    assert not JobUnit.objects.exclude(payload={}).exists()
    assert not JobNote.objects.filter(job=job).exists()


def test_notes_are_forgotten_once_the_units_have_run() -> None:
    job, ctx = _running_job()
    JobUnit.objects.create(job=job, seq=0, handler="tests.pull", payload={"name": "x"})
    job_note_post(ctx, "members.0", ["1", "2"])
    assert job_units_finish(ctx) == [{"pulled": "x"}]
    assert not JobNote.objects.filter(job=job).exists()
