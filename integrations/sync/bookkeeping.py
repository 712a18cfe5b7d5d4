"""What a batch of vendor writes changed here commits at once, with its audit events.

Both engines write to HubSpot or Salesforce first and then record what happened:
links, the mirror, cursors, open errors, the job's counters and the audit events
of those writes. All of it goes in one transaction, so a worker killed in between
leaves none of it (the write-ahead rows say what may have been written) and never
a link without its ``record.created`` event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import transaction

from core.models import AuditEvent
from core.services.audit import audit_events_record


@contextmanager
def bookkeeping(*, events: list[AuditEvent], report: Callable[[], None]) -> Iterator[None]:
    """Run the block in a transaction that also writes ``events`` (then emptied) and
    ``report``s the counts; nothing of it commits if the block raises."""
    with transaction.atomic():
        yield
        audit_events_record(events)
        events.clear()
        report()
