"""What every pass of one engine run shares, written once for both engines.

A run (the job's own, or one of its work units) holds the job, its API clients and the
outcome ledger: passes settle each record's outcome in the ledger, and each batch's
``bookkeeping`` commits those outcomes' audit events, the job's counts and the API
calls made, together with whatever the batch changed here. ``engine_run`` opens one for
a job and reports what it counted however the run ends (done, failed, cancelled, out
of budget).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from core.services.job_runtime import JobContext
from integrations.engine.bookkeeping import bookkeeping
from integrations.engine.outcomes import FAILED, OutcomeLedger
from integrations.engine.record_errors import FailedRecord, record_failure
from integrations.job_clients import JobClients


@dataclass
class EngineRun:
    """The job, its clients, and the ledger of what this run did to each record."""

    ctx: JobContext
    clients: JobClients
    ledger: OutcomeLedger = field(init=False)

    def __post_init__(self) -> None:
        self.ledger = OutcomeLedger(job_id=self.ctx.job_id)

    @property
    def hubspot(self) -> Any:
        return self.clients.hubspot

    @property
    def salesforce(self) -> Any:
        return self.clients.salesforce

    def bookkeeping(self) -> AbstractContextManager[None]:
        """One transaction for a batch's links, mirror, cursors, errors, counts and audit."""
        return bookkeeping(
            ledger=self.ledger,
            report=lambda counts, reasons: self.clients.report(skipped_reasons=reasons, **counts),
        )

    def flush(self) -> None:
        """Report what was counted and the API calls made; stop here if the job was
        cancelled."""
        with self.bookkeeping():
            pass
        self.ctx.raise_if_cancelled()

    def failed(self, failed: FailedRecord, *keys: str) -> None:
        """A record did not sync: its open error, and its outcome under its keys (inside
        bookkeeping)."""
        event = record_failure(failed, job_id=self.ctx.job_id)
        self.ledger.settle([failed.record_key, *keys], FAILED, event=event)


R = TypeVar("R", bound=EngineRun)


@contextmanager
def engine_run(make: Callable[..., R], ctx: JobContext, **fields: Any) -> Iterator[R]:
    """A run of ``make`` (an ``EngineRun`` class) for the job; whatever stops it, what it
    counted is reported."""
    with JobClients(ctx) as clients:
        run = make(ctx=ctx, clients=clients, **fields)
        try:
            yield run
        finally:
            with run.bookkeeping():
                pass
