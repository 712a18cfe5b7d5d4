"""Fan a job out into work units that any worker on any host takes.

A job that has much to do plans its work as units (``JobUnit`` rows, each with the
payload its handler needs) and puts one django-q2 task per unit on the queue; every
``qcluster`` that shares the broker and the database may take them. The job's own
worker works on units too, then waits until the last one has ended:

- **Claimed once.** A unit goes from *queued* to *running* by one conditional UPDATE,
  so two workers never run the same unit at the same time.
- **A dead worker's unit is run again.** A running unit is stamped every
  ``JOB_HEARTBEAT_S`` by a thread of its worker; one silent for ``JOB_STALE_AFTER_S``
  goes back to *queued* and is taken by another worker. Handlers must be idempotent
  for that (the sync engines are: write-ahead intents and links, see
  ``integrations/engine/contacts/creates.py``).
- **Cancel stops what has not started.** Units check the job before they are
  claimed; once the job is cancelled (or ended) the queued ones are dropped, the
  running ones stop at their next batch, and the job ends after them, so nothing is
  written for a job after it ended.
- **Counts aggregate.** Handlers report into the job's counters with SQL increments
  (``JobContext.progress``), and API calls count where they are made.
- **Failures reach the job.** A unit that raised makes the job raise the same way
  once the running units have ended: a budget that ran out parks the job
  (``JobMustWait``), anything else fails it with the unit's message.

- **Units can wait for what the job learns meanwhile.** The planner may post notes
  (``job_note_post``) while its units run, and a unit may wait until one is posted
  (``job_note_ready``) or every unit of another handler is done (``job_units_done``):
  ``job_units_wait_until`` waits, running other queued units meanwhile (a unit put
  back after its worker died never waits for a free worker, and the worker keeps
  working rather than idle). A planner that fails while its units run halts
  them (``job_units_halt``): the waiting ones stop, and it returns once none runs.

Handlers are registered by name (``job_unit_handler_register``) and called as
``handler(ctx, payload) -> result``; ``result`` must be JSON.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import F
from django.utils import timezone
from django_q.tasks import async_task

from core.models import JobNote, JobUnit, SyncJob
from core.services.job_runtime import JobAbandoned, JobCancelled, JobContext, JobMustWait

logger = logging.getLogger(__name__)

UnitHandler = Callable[[JobContext, dict[str, Any]], dict[str, Any]]

_HANDLERS: dict[str, UnitHandler] = {}

#: how often a waiting job looks at its units
WAIT_POLL_S = 0.2
#: tasks put on the queue per unit. Any task runs whichever units are queued, and one
#: that finds none left ends at once; but a busy cluster's pusher holds a task or two
#: its worker cannot start yet, and with one task per unit a worker that is free could
#: find none (seen: one of four workers idle through the last units of a run)
TASKS_PER_UNIT = 2


#: the note a planner that failed posts: the units waiting for its notes stop
HALTED = "job.halted"


class UnitFailed(Exception):
    """A unit of the job raised something other than cancel / wait / abandoned."""


class UnitsHalted(JobCancelled):
    """The planner of this unit's job failed: what the unit waits for will never come."""


def job_unit_handler_register(name: str, handler: UnitHandler) -> None:
    _HANDLERS[name] = handler


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def job_units_plan(ctx: JobContext, *, handler: str, payloads: Iterable[dict[str, Any]]) -> int:
    """Add units to the job (after any it already has) and put ``TASKS_PER_UNIT`` tasks
    on the queue for each; returns how many were added."""
    if handler not in _HANDLERS:
        raise ValueError(f"Unknown unit handler {handler!r}")
    last = JobUnit.objects.filter(job_id=ctx.job_id).order_by("-seq").first()
    start = last.seq + 1 if last else 0
    units = [
        JobUnit(job_id=ctx.job_id, seq=start + n, handler=handler, payload=payload)
        for n, payload in enumerate(payloads)
    ]
    JobUnit.objects.bulk_create(units)
    for _ in range(len(units) * TASKS_PER_UNIT):
        try:
            async_task("core.tasks.run_job_units", ctx.job_id, task_name=f"syncjob-{ctx.job_id}-u")
        except Exception:  # broker down: the job's own worker still runs every unit
            logger.exception("Could not queue a unit of job %s", ctx.job_id)
            break
    return len(units)


def job_units_work(*, job_id: int) -> int:
    """The django-q2 task: run the job's queued units until none is left (or the job is
    no longer running); returns how many this worker ran."""
    job = SyncJob.objects.filter(pk=job_id, status=SyncJob.Status.RUNNING).first()
    if job is None:
        return 0
    ctx = JobContext(job)
    ran = 0
    try:
        while _job_accepts_units(ctx) and _run_one(ctx):
            ran += 1
    finally:
        _join_beside()
    return ran


def job_units_finish(ctx: JobContext) -> list[dict[str, Any]]:
    """In the job's own worker: run queued units, wait for the others' running ones,
    put back those whose worker died; then the results in plan order.

    Raises as the first failed unit did (``JobCancelled``, ``JobMustWait``) or
    ``UnitFailed``, once no unit of the job is running any more."""
    try:
        _work_and_wait(ctx)
    finally:
        _join_beside()
    _forget_payloads(ctx.job_id)
    ctx.ensure_owned()
    failed = JobUnit.objects.filter(job_id=ctx.job_id, status=JobUnit.Status.FAILED).first()
    if failed is not None:
        _raise_as(failed)
    ctx.raise_if_cancelled()
    return list(
        JobUnit.objects.filter(job_id=ctx.job_id, status=JobUnit.Status.DONE)
        .order_by("seq")
        .values_list("result", flat=True)
    )


def _work_and_wait(ctx: JobContext) -> None:
    """Run the job's queued units here and wait until none is queued or running."""
    while True:
        stopping = not _job_accepts_units(ctx)
        if stopping:
            JobUnit.objects.filter(job_id=ctx.job_id, status=JobUnit.Status.QUEUED).update(
                status=JobUnit.Status.DROPPED, finished_at=timezone.now()
            )
        elif _run_one(ctx):
            continue
        _requeue_stale(ctx.job_id)
        units = JobUnit.objects.filter(job_id=ctx.job_id)
        if not units.filter(status__in=(JobUnit.Status.QUEUED, JobUnit.Status.RUNNING)).exists():
            break
        if units.filter(status=JobUnit.Status.FAILED).exists() and not stopping:
            # let the others stop at their next batch: the job ends after them
            JobUnit.objects.filter(job_id=ctx.job_id, status=JobUnit.Status.QUEUED).update(
                status=JobUnit.Status.DROPPED, finished_at=timezone.now()
            )
        time.sleep(WAIT_POLL_S)


def job_units_abandon(*, job_id: int) -> int:
    """A job that ended without its worker (killed, hung): drop its units not yet
    started and forget every unit's records, which nothing will read any more (they hold
    contacts' personal data). Returns how many units were dropped."""
    units = JobUnit.objects.filter(job_id=job_id)
    dropped = units.filter(status=JobUnit.Status.QUEUED).update(
        status=JobUnit.Status.DROPPED, finished_at=timezone.now()
    )
    _forget_payloads(job_id)
    return dropped


def job_units_clear(*, job_id: int) -> None:
    """Forget the job's units: a job that starts again (after waiting for the budget)
    plans its work afresh, and a unit that failed before must not fail it again."""
    JobUnit.objects.filter(job_id=job_id).delete()
    JobNote.objects.filter(job_id=job_id).delete()


def job_note_post(ctx: JobContext, key: str, value: Any) -> None:
    """Post (or replace) a note of the job for its units (JSON)."""
    JobNote.objects.update_or_create(job_id=ctx.job_id, key=key, defaults={"value": value})


def job_note_ready(ctx: JobContext, key: str) -> tuple[bool, Any]:
    """Whether the job's note ``key`` is posted, and its value, without waiting. Raises
    ``UnitsHalted`` if the planner failed instead."""
    notes = dict(
        JobNote.objects.filter(job_id=ctx.job_id, key__in=[key, HALTED]).values_list("key", "value")
    )
    if key in notes:
        return True, notes[key]
    if HALTED in notes:
        raise UnitsHalted(notes[HALTED])
    return False, None


def job_units_wait_until(
    ctx: JobContext,
    ready: Callable[[], bool],
    *,
    runs: Sequence[str] = (),
    beside: Sequence[str] = (),
) -> None:
    """Return once ``ready()`` (which may raise, as ``job_units_done`` and
    ``job_note_ready`` do); raises ``JobCancelled`` once the job stops taking units.

    Meanwhile the worker works rather than idle. It runs queued units of the ``runs``
    handlers here (units that never wait themselves: one put back after its worker died
    never waits for a free worker), and starts one queued unit of the ``beside``
    handlers in a thread of its own, which goes on beside the waiting unit once that one
    goes on. One at a time and one level deep: a worker starts no second unit beside
    while the first runs, and a unit run beside another starts none beside itself, so a
    worker holds at most two units at once."""
    while not ready():
        _requeue_stale(ctx.job_id)
        if not _job_accepts_units(ctx):
            raise JobCancelled()
        if any(_run_one(ctx, handler=handler) for handler in runs):
            continue
        if _start_beside(ctx, beside):
            continue
        time.sleep(WAIT_POLL_S)


class _Beside(threading.local):
    #: the unit this thread's unit started beside itself, if any
    thread: threading.Thread | None = None
    #: whether this thread runs a unit beside another
    inside: bool = False


_beside = _Beside()


def _start_beside(ctx: JobContext, handlers: Sequence[str]) -> bool:
    if _beside.inside or (_beside.thread is not None and _beside.thread.is_alive()):
        return False
    if connection.in_atomic_block:
        return False  # another connection could not see what the transaction wrote
    claimed = next(filter(None, (_claim(ctx.job_id, handler) for handler in handlers)), None)
    if claimed is None:
        return False

    def run() -> None:
        _beside.inside = True
        try:
            _run_claimed(ctx, *claimed)
        except BaseException:  # the job ended without it: the waiting unit learns too
            logger.exception("A unit of job %s run beside another stopped", ctx.job_id)
        finally:
            connections.close_all()

    _beside.thread = threading.Thread(target=run, name="unit-beside", daemon=True)
    _beside.thread.start()
    return True


def _join_beside() -> None:
    """Wait for the unit this thread started beside its own, before the worker leaves
    the job's units."""
    if _beside.thread is not None:
        _beside.thread.join()
        _beside.thread = None


def job_units_done(ctx: JobContext, *, handler: str) -> bool:
    """Whether every unit of the job with ``handler`` is done, without waiting. Raises as
    a failed one did, ``JobCancelled`` if one was dropped."""
    units = JobUnit.objects.filter(job_id=ctx.job_id, handler=handler)
    failed = units.filter(status=JobUnit.Status.FAILED).first()
    if failed is not None:
        _raise_as(failed)
    statuses = set(units.values_list("status", flat=True))
    if JobUnit.Status.DROPPED in statuses:
        raise JobCancelled()
    return not statuses & {JobUnit.Status.QUEUED, JobUnit.Status.RUNNING}


def job_units_halt(ctx: JobContext, *, why: str) -> None:
    """The planner failed while its units run: units waiting for its notes stop, queued
    ones are dropped; returns once none is running any more (a running one ends its
    batch), so nothing is written for the job after it ends."""
    job_note_post(ctx, HALTED, why)
    units = JobUnit.objects.filter(job_id=ctx.job_id)
    while True:
        units.filter(status=JobUnit.Status.QUEUED).update(
            status=JobUnit.Status.DROPPED, finished_at=timezone.now()
        )
        stale_before = timezone.now() - timedelta(seconds=settings.JOB_STALE_AFTER_S)
        units.filter(status=JobUnit.Status.RUNNING, heartbeat_at__lt=stale_before).update(
            status=JobUnit.Status.DROPPED, finished_at=timezone.now()
        )
        if not units.filter(status=JobUnit.Status.RUNNING).exists():
            break
        time.sleep(WAIT_POLL_S)
    _forget_payloads(ctx.job_id)


def _forget_payloads(job_id: int) -> None:
    """The records and notes were only needed to run the units (they can hold contacts'
    data): what stays is who ran what."""
    JobUnit.objects.filter(job_id=job_id).exclude(payload={}).update(payload={})
    JobNote.objects.filter(job_id=job_id).delete()


# --- inside -------------------------------------------------------------------------------
def _job_accepts_units(ctx: JobContext) -> bool:
    return SyncJob.objects.filter(
        pk=ctx.job_id,
        status=SyncJob.Status.RUNNING,
        run_token=ctx.run_token,
        cancel_requested=False,
    ).exists()


def _claim(job_id: int, handler: str | None = None) -> tuple[JobUnit, UUID] | None:
    token = uuid4()
    queued = JobUnit.objects.filter(job_id=job_id, status=JobUnit.Status.QUEUED)
    if handler is not None:
        queued = queued.filter(handler=handler)
    for unit_id in queued.order_by("seq").values_list("pk", flat=True)[:5]:
        now = timezone.now()
        won = JobUnit.objects.filter(pk=unit_id, status=JobUnit.Status.QUEUED).update(
            status=JobUnit.Status.RUNNING,
            claim_token=token,
            worker=_worker_name()[:100],
            heartbeat_at=now,
            attempts=F("attempts") + 1,
        )
        if won:
            return JobUnit.objects.get(pk=unit_id), token
    return None


def _run_one(ctx: JobContext, *, handler: str | None = None) -> bool:
    """Claim and run one queued unit (of ``handler``); False if none was left to claim."""
    claimed = _claim(ctx.job_id, handler)
    if claimed is None:
        return False
    _run_claimed(ctx, *claimed)
    return True


def _run_claimed(ctx: JobContext, unit: JobUnit, token: UUID) -> None:
    mine = JobUnit.objects.filter(pk=unit.pk, claim_token=token, status=JobUnit.Status.RUNNING)
    with _UnitHeartbeat(unit_id=unit.pk, token=token):
        try:
            result = _HANDLERS[unit.handler](ctx, unit.payload)
        except JobAbandoned:
            mine.update(status=JobUnit.Status.DROPPED, finished_at=timezone.now())
            raise
        except JobCancelled:
            mine.update(
                status=JobUnit.Status.FAILED,
                error={"kind": "cancelled"},
                finished_at=timezone.now(),
            )
            return
        except JobMustWait as wait:
            mine.update(
                status=JobUnit.Status.FAILED,
                error={
                    "kind": "must_wait",
                    "reason": wait.reason,
                    "resume_at": wait.resume_at.isoformat(),
                },
                finished_at=timezone.now(),
            )
            return
        except Exception as exc:
            logger.exception("Unit %s of job %s failed", unit.seq, ctx.job_id)
            mine.update(
                status=JobUnit.Status.FAILED,
                error={"kind": "error", "message": str(exc) or type(exc).__name__},
                finished_at=timezone.now(),
            )
            return
    mine.update(status=JobUnit.Status.DONE, result=result, finished_at=timezone.now())


def _requeue_stale(job_id: int) -> None:
    """Running units whose worker stopped beating go back to the queue."""
    stale_before = timezone.now() - timedelta(seconds=settings.JOB_STALE_AFTER_S)
    stale = JobUnit.objects.filter(
        job_id=job_id, status=JobUnit.Status.RUNNING, heartbeat_at__lt=stale_before
    )
    if not stale.exists():
        return  # a read: on SQLite even an UPDATE of no row takes the one write lock
    back = stale.update(status=JobUnit.Status.QUEUED, claim_token=None, worker="")
    if back:
        logger.warning("Job %s: %s unit(s) whose worker went silent are queued again", job_id, back)


def _raise_as(unit: JobUnit) -> None:
    kind = unit.error.get("kind")
    if kind == "cancelled":
        raise JobCancelled()
    if kind == "must_wait":
        raise JobMustWait(
            unit.error["reason"], resume_at=datetime.fromisoformat(unit.error["resume_at"])
        )
    raise UnitFailed(f"Batch {unit.seq + 1} of this job failed: {unit.error.get('message', '')}")


class _UnitHeartbeat:
    """Stamps the unit's ``heartbeat_at`` from a thread of its own while the block runs."""

    def __init__(self, *, unit_id: int, token: UUID) -> None:
        self.unit_id, self.token = unit_id, token
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"unit-{unit_id}", daemon=True)

    def __enter__(self) -> _UnitHeartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopped.set()

    def _beat(self) -> None:
        try:
            while not self._stopped.wait(settings.JOB_HEARTBEAT_S):
                try:
                    with transaction.atomic():
                        alive = JobUnit.objects.filter(
                            pk=self.unit_id, claim_token=self.token, status=JobUnit.Status.RUNNING
                        ).update(heartbeat_at=timezone.now())
                except Exception:  # a locked database: the next beat tries again
                    logger.warning("Unit %s: heartbeat not written", self.unit_id, exc_info=True)
                    continue
                if not alive:
                    return
        finally:
            connection.close()
