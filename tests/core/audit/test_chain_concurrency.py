"""Writers at once (web requests, workers) still extend one linear chain."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest
from django.conf import settings
from django.db import connections

from core.models import AuditEvent
from core.services.audit import audit_event_build, audit_events_record, audit_record
from tests import workers as qcluster
from tests.core.audit.chain import verify

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


#: what each writer process runs: batches and single events, as a worker and a web request do
_PROCESS_WRITES = """
from core.services.audit import audit_event_build, audit_events_record, audit_record
for n in range(20):
    audit_events_record(
        audit_event_build(action="record.created", object_type="contact", message=f"p{n}.{i}")
        for i in range(10)
    )
    audit_record(action="record.updated", object_type="contact", message=f"p{n}")
"""


@pytest.mark.django_db(transaction=True)
def test_writer_processes_at_once_keep_a_valid_chain() -> None:
    env = {
        **os.environ,
        "DATABASE_URL": qcluster.test_database_url(),
        "SYNCADMIN_DATA_DIR": str(settings.DATA_DIR),
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, str(qcluster.ROOT / "manage.py"), "shell", "-c", _PROCESS_WRITES]
    writers = [
        subprocess.Popen(command, cwd=qcluster.ROOT, env=env, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    for n in range(20):  # and this process, meanwhile
        audit_record(action="settings.changed", object_type="settings", message=f"web {n}")
    for writer in writers:
        _, error = writer.communicate(timeout=120)
        assert writer.returncode == 0, error.decode()
    assert AuditEvent.objects.count() == 2 * 20 * 11 + 20
    code, output = verify()
    assert code == 0, output
