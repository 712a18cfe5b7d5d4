"""Units that wait for what their job learns while they run: a note the planner posts,
the units of another handler, running queued units meanwhile; and a planner that fails
halts its units."""

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
    job_note_ready,
    job_unit_handler_register,
    job_units_done,
    job_units_finish,
    job_units_halt,
    job_units_wait_until,
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


def _waits_for_members(ctx, payload):
    """A unit that waits for a note, running queued units meanwhile as a slice does."""
    RAN.append(f"{payload['name']} started")
    job_units_wait_until(
        ctx,
        lambda: _posted(ctx, payload["note"]),
        runs=["tests.pull"],
        beside=["tests.waits"],
    )
    RAN.append(f"{payload['name']} done")
    return {}


job_unit_handler_register("tests.waits", _waits_for_members)


def _posted(ctx: JobContext, key: str) -> bool:
    return job_note_ready(ctx, key)[0]


def _note_wait(ctx: JobContext, key: str):
    job_units_wait_until(ctx, lambda: _posted(ctx, key))
    return job_note_ready(ctx, key)[1]


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
    assert _note_wait(ctx, "members.0") == ["101", "102"]
    assert time.monotonic() - started >= 0.4
    poster.join()


def test_a_waiting_unit_stops_when_its_planner_halts_the_job() -> None:
    _, ctx = _running_job()
    halter = _post_later(ctx, "job.halted", "the list could not be read", after_s=0.3)
    with pytest.raises(UnitsHalted, match="the list could not be read"):
        _note_wait(ctx, "members.0")
    halter.join()


def test_a_waiting_unit_stops_when_the_job_is_cancelled() -> None:
    job, ctx = _running_job()
    SyncJob.objects.filter(pk=job.pk).update(cancel_requested=True)
    with pytest.raises(JobCancelled):
        _note_wait(ctx, "members.0")


def test_waiting_for_a_handler_runs_its_queued_units_here() -> None:
    """A unit put back on the queue after its worker died must not wait for a free
    worker while the one waiting for it holds this one: the waiter runs it itself."""
    job, ctx = _running_job()
    for seq, name in enumerate(["leads", "contacts"]):
        JobUnit.objects.create(job=job, seq=seq, handler="tests.pull", payload={"name": name})
    RAN.clear()
    job_units_wait_until(
        ctx, lambda: job_units_done(ctx, handler="tests.pull"), runs=["tests.pull"]
    )
    assert RAN == ["leads", "contacts"]
    assert set(JobUnit.objects.values_list("status", flat=True)) == {JobUnit.Status.DONE}


def test_waiting_for_a_handler_raises_as_its_failed_unit_did() -> None:
    job, ctx = _running_job()
    JobUnit.objects.create(
        job=job, seq=0, handler="tests.pull", payload={"name": "leads", "budget": True}
    )
    with pytest.raises(JobMustWait, match="budget spent"):
        job_units_wait_until(
            ctx, lambda: job_units_done(ctx, handler="tests.pull"), runs=["tests.pull"]
        )


def test_a_waiting_unit_starts_the_next_queued_one_beside_itself_one_level_deep() -> None:
    """While a unit waits, its worker starts the next queued unit in a thread rather than
    idle; the first goes on as soon as it can, beside the second; that one, waiting in
    turn, starts no third; the worker takes the third once the first ended, and starts
    nothing beside it while the second still runs: never more than two units at once."""
    job, ctx = _running_job()
    for seq, name in enumerate(["first", "second", "third"]):
        JobUnit.objects.create(
            job=job, seq=seq, handler="tests.waits", payload={"name": name, "note": name}
        )
    JobUnit.objects.create(
        job=job, seq=3, handler="tests.waits", payload={"name": "fourth", "note": "fourth"}
    )
    RAN.clear()
    # the second unit's note comes later than the others', as a list's pages do
    posters = [
        _post_later(ctx, "first", [], after_s=0.4),
        _post_later(ctx, "third", [], after_s=0.8),
        _post_later(ctx, "second", [], after_s=1.2),
        _post_later(ctx, "fourth", [], after_s=1.4),
    ]
    job_units_finish(ctx)
    for poster in posters:
        poster.join()
    assert RAN == [
        "first started",
        "second started",
        "first done",
        "third started",
        "third done",
        "fourth started",
        "second done",
        "fourth done",
    ]
    assert set(JobUnit.objects.values_list("status", flat=True)) == {JobUnit.Status.DONE}


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
