"""Writers at once (web requests, workers) still extend one linear chain."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from core.models import AuditEvent
from core.services.audit import audit_event_build, audit_events_record, audit_record
from tests.audit.chain import verify

WRITERS = 3
ROUNDS = 30
BATCH = 15


def _write(name: str, start: threading.Barrier, errors: list[BaseException]) -> None:
    try:
        start.wait()
        for n in range(ROUNDS):
            if n % 3 == 0:
                audit_events_record(
                    audit_event_build(
                        action="record.created", object_type="contact", message=f"{name} {n}.{i}"
                    )
                    for i in range(BATCH)
                )
            else:
                audit_record(action="record.updated", object_type="contact", message=f"{name} {n}")
    except BaseException as error:  # reported by the test
        errors.append(error)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_concurrent_single_writes_and_batches_keep_a_valid_chain() -> None:
    start, errors = threading.Barrier(WRITERS), []
    threads = [
        threading.Thread(target=_write, args=(f"writer{w}", start, errors)) for w in range(WRITERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    per_writer = (ROUNDS // 3) * BATCH + ROUNDS - ROUNDS // 3
    assert AuditEvent.objects.count() == WRITERS * per_writer
    code, output = verify()
    assert code == 0, output
    assert f"chain verified: {WRITERS * per_writer} events" in output
