"""The hash chain is built by every way events are written, and verifies when intact."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps
from django.core.management.sql import emit_post_migrate_signal
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule

from core.audit_chain import CHAIN_FIELDS, GENESIS, NOT_HASHED, chain_digest
from core.models import AuditChainCheck, AuditChainHead, AuditEvent
from core.services.audit import audit_event_build, audit_events_record, audit_record
from core.services.audit_verify import VERIFY_SCHEDULE, chain_check, chain_check_scheduled
from tests.core.audit.chain import tamper, verify
from tests.sides import person, run_sync

pytestmark = pytest.mark.django_db


def _event(**fields) -> AuditEvent:
    return audit_record(action="record.updated", object_type="contact", **fields)


def _links() -> list[tuple[int, int | None, str | None]]:
    return list(AuditEvent.objects.order_by("id").values_list("id", "chain_prev_id", "chain_hash"))


def _assert_linear() -> None:
    """Each event links to the one before it, by id, and its hash recomputes."""
    previous_id, previous_hash = None, GENESIS
    for row in AuditEvent.objects.order_by("id").values(*CHAIN_FIELDS, "chain_hash"):
        assert row["chain_prev_id"] == previous_id
        assert row["chain_hash"] == chain_digest(previous_hash, row)
        previous_id, previous_hash = row["id"], row["chain_hash"]
    head = AuditChainHead.objects.get()
    assert (head.last_id, head.last_hash) == (previous_id, previous_hash)


def test_every_stored_field_is_hashed() -> None:
    stored = {field.name for field in AuditEvent._meta.concrete_fields}
    assert stored == set(CHAIN_FIELDS) | set(NOT_HASHED)


def test_a_single_write_and_a_batch_extend_one_chain() -> None:
    first = _event(message="one")
    audit_events_record(
        [audit_event_build(action="record.created", object_type="contact", job_id=3) for _ in "ab"]
    )
    last = _event(message="three")
    links = _links()
    assert [link[1] for link in links] == [None, first.pk, links[1][0], links[2][0]]
    assert links[-1][0] == last.pk and last.chain_hash == links[-1][2]
    _assert_linear()
    code, output = verify()
    assert code == 0
    assert f"chain verified: 4 events, up to #{last.pk}" in output
    assert last.chain_hash in output


def test_values_hash_the_same_as_the_database_gives_them_back() -> None:
    """Floats, big numbers, key order, tuples, int keys, time zones, naive times."""
    odd = [
        {"z": 1, "a": 0.1, "m": [1.0, 1e300, 1e-7, -0.0, 12345678901234567890], "t": (1, 2)},
        {3: "int key", "nested": {"b": True, "a": None, "é": "ünïcode\n"}},
    ]
    tz = timezone.get_fixed_timezone(-420)
    _event(changes=odd, occurred_at=datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=tz))
    _event(occurred_at=datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=UTC), job_id=2**62)
    _event(hubspot_id=12345, message="int given for a text field")
    _assert_linear()
    assert verify()[0] == 0


def test_numbers_written_differently_hash_alike() -> None:
    """PostgreSQL's jsonb gives 1e300 back as 301 digits, and -0.0 as 0."""
    base = {name: "" for name in CHAIN_FIELDS} | {"id": 1, "occurred_at": timezone.now()}
    spelled = [[1e300, 0.0, 2.50, 1e-7], [10**300, 0, Decimal("2.5"), Decimal("0.0000001")]]
    digests = {chain_digest("", base | {"changes": changes}) for changes in spelled}
    assert len(digests) == 1
    assert chain_digest("", base | {"changes": [-0.0]}) == chain_digest("", base | {"changes": [0]})
    assert chain_digest("", base | {"changes": ["1"]}) != chain_digest("", base | {"changes": [1]})


def test_a_real_sync_job_writes_its_batches_into_the_chain(hubspot, salesforce) -> None:
    hubspot.create_contacts(*(person(f"p{n}@example.com") for n in range(12)))
    before = _event(message="before the job")
    job = run_sync("all")
    assert job.created == 12
    created = AuditEvent.objects.filter(job_id=job.pk, action="record.created")
    assert created.count() == 12
    assert created.filter(chain_hash__isnull=True).count() == 0
    assert AuditEvent.objects.filter(id__gt=before.pk).count() > 12
    _assert_linear()
    code, output = verify()
    assert code == 0, output


def test_migration_chains_the_events_already_there() -> None:
    for n in range(3):
        _event(message=f"old {n}")
    tamper("UPDATE core_auditevent SET chain_hash = NULL, chain_prev_id = NULL")
    AuditChainHead.objects.all().delete()
    assert verify()[0] == 1
    migration = import_module("core.migrations.0009_audit_hash_chain")
    migration.chain_existing(apps, connection.schema_editor())
    _assert_linear()
    assert verify()[0] == 0
    _event(message="after the migration")
    _assert_linear()
    with (  # the triggers are back
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE core_auditevent SET message = 'x'")


def test_an_empty_trail_verifies() -> None:
    code, output = verify()
    assert code == 0 and "0 events" in output


def test_incremental_goes_on_from_the_last_verified_event() -> None:
    first = _event(message="one")
    chain_check(full=True)
    second = _event(message="two")
    code, output = verify("--incremental")
    assert code == 0
    assert f"chain verified: 1 events, up to #{second.pk} (on from #{first.pk})" in output
    check = AuditChainCheck.objects.get()
    assert (check.ok, check.full, check.up_to_id) == (True, False, second.pk)


def test_an_incremental_walk_whose_start_was_changed_walks_in_full() -> None:
    first = _event(message="one")
    chain_check(full=True)
    _event(message="two")
    tamper("UPDATE core_auditevent SET chain_hash = %s WHERE id = %s", ["0" * 64, first.pk])
    code, output = verify("--incremental")
    assert code == 1
    assert f"chain broken at #{first.pk}: hash mismatch" in output


def test_the_hourly_schedule_walks_in_full_once_a_day() -> None:
    Schedule.objects.filter(name=VERIFY_SCHEDULE).delete()
    for _ in range(2):
        emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    schedule = Schedule.objects.get(name=VERIFY_SCHEDULE)
    assert schedule.func == "core.services.audit_verify.chain_check_scheduled"
    assert (schedule.schedule_type, schedule.minutes) == (Schedule.MINUTES, 60)
    _event()
    assert "chain verified: 1 events" in chain_check_scheduled()
    assert AuditChainCheck.objects.get().full
    _event()
    chain_check_scheduled()
    assert not AuditChainCheck.objects.get().full
    AuditChainCheck.objects.update(full_ok_at=timezone.now() - timedelta(hours=25))
    chain_check_scheduled()
    assert AuditChainCheck.objects.get().full


def test_the_page_shows_the_last_verification_and_a_get_writes_nothing(
    admin_web: Client,
) -> None:
    page = admin_web.get(reverse("audit_log")).content.decode()
    assert "Hash chain not verified yet" in page
    event = _event(message="x")
    verify()
    with CaptureQueriesContext(connection) as queries:
        page = admin_web.get(reverse("audit_log")).content.decode()
    assert f"Chain verified up to #{event.pk}" in page
    sql = [q["sql"] for q in queries]
    writes = [s for s in sql if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert not [s for s in writes if "django_session" not in s]  # the login session's expiry
    # the stored result, one row: the page never walks the chain
    assert len([s for s in sql if "core_auditchaincheck" in s]) == 1
    assert not [s for s in sql if "core_auditchainhead" in s or "core_auditchaingap" in s]
    tamper("UPDATE core_auditevent SET message = 'forged' WHERE id = %s", [event.pk])
    verify()
    page = admin_web.get(reverse("audit_log")).content.decode()
    assert f"Chain broken at #{event.pk}: hash mismatch" in page
    assert 'role="alert" class="message message-warning" data-testid="audit-chain"' in page
