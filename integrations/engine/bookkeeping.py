"""What a batch of vendor writes changed here commits at once, with its audit events.

Both engines write to HubSpot or Salesforce first and then record what happened:
links, the mirror, cursors, open errors, the job's counters and the audit events
of those writes. All of it goes in one transaction, so a worker killed in between
leaves none of it (the write-ahead rows say what may have been written) and never
a link without its ``record.created`` event, nor a count without its event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import transaction

from core.services.audit import audit_events_record
from integrations.engine.outcomes import OutcomeLedger


@contextmanager
def bookkeeping(
    *, ledger: OutcomeLedger, report: Callable[[dict[str, int], dict[str, int]], None]
) -> Iterator[None]:
    """Run the block in a transaction that also writes the ledger's pending events and
    ``report``s their counts and skip reasons; nothing of it commits if the block raises.

    The events go last: writing them locks the audit chain until the commit, and a
    lock taken after it (the job's row, by ``report``) could wait on a transaction that
    holds that row and waits for the chain."""
    with transaction.atomic():
        yield
        events, counts, reasons = ledger.take()
        report(counts, reasons)
        audit_events_record(events)
