"""Rewriting the trail past the app and its triggers shows as a broken link, at the right id;
the retention prune leaves a chain that still verifies."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from core.models import AuditChainGap, AuditChainHead, AuditEvent, AuditPruneWindow
from core.services.audit import audit_prune, audit_record
from tests.core.audit.chain import tamper, verify

pytestmark = pytest.mark.django_db

FORGED = (
    "INSERT INTO core_auditevent (id, occurred_at, actor_type, actor_username, action,"
    " object_type, object_label, hubspot_id, salesforce_id, email, direction, status,"
    " changes, message, error_category, outcome, reason, chain_prev_id, chain_hash)"
    " VALUES (%s, %s, 'user', 'mallory', 'settings.changed', 'settings', '', '', '', '',"
    " '', 'ok', '[]', 'forged', '', '', '', %s, %s)"
)


@pytest.fixture
def five() -> list[AuditEvent]:
    return [
        audit_record(action="record.updated", object_type="contact", message=f"event {n}")
        for n in range(5)
    ]


def _hash(event_id: int) -> str:
    return AuditEvent.objects.values_list("chain_hash", flat=True).get(pk=event_id)


def test_an_intact_trail_verifies(five) -> None:
    code, output = verify()
    assert code == 0
    assert f"chain verified: 5 events, up to #{five[-1].pk}" in output


def test_an_edited_message_is_a_hash_mismatch_at_that_event(five) -> None:
    tamper("UPDATE core_auditevent SET message = 'nothing happened' WHERE id = %s", [five[2].pk])
    assert verify() == (1, f"chain broken at #{five[2].pk}: hash mismatch\n")


def test_an_edited_hash_breaks_the_next_link_too(five) -> None:
    tamper("UPDATE core_auditevent SET chain_hash = %s WHERE id = %s", ["f" * 64, five[1].pk])
    assert verify() == (1, f"chain broken at #{five[1].pk}: hash mismatch\n")


def test_a_deleted_middle_event_is_missing_before_the_next(five) -> None:
    tamper("DELETE FROM core_auditevent WHERE id = %s", [five[2].pk])
    code, output = verify()
    assert code == 1
    assert output == f"chain broken at #{five[3].pk}: previous event #{five[2].pk} missing\n"


def test_a_deleted_first_event_is_missing_too(five) -> None:
    tamper("DELETE FROM core_auditevent WHERE id = %s", [five[0].pk])
    assert verify()[1] == f"chain broken at #{five[1].pk}: previous event #{five[0].pk} missing\n"


def test_deleted_newest_events_are_missing_after_the_last(five) -> None:
    tamper("DELETE FROM core_auditevent WHERE id >= %s", [five[3].pk])
    code, output = verify()
    assert code == 1
    assert f"chain broken at #{five[2].pk}: events after #{five[2].pk} missing" in output


def test_a_forged_row_without_a_hash_is_unchained(five) -> None:
    forged = five[-1].pk + 10
    tamper(FORGED, [forged, timezone.now(), five[-1].pk, None])
    assert verify() == (1, f"chain broken at #{forged}: unchained row\n")


def test_a_forged_row_with_a_copied_hash_is_a_hash_mismatch(five) -> None:
    forged = five[-1].pk + 10
    tamper(FORGED, [forged, timezone.now(), five[-1].pk, _hash(five[-1].pk)])
    assert verify() == (1, f"chain broken at #{forged}: hash mismatch\n")


def test_a_row_forged_between_two_events_breaks_the_link_after_it(five) -> None:
    tamper("DELETE FROM core_auditevent WHERE id = %s", [five[2].pk])
    tamper(FORGED, [five[2].pk, timezone.now(), five[1].pk, "0" * 64])
    assert verify()[1] == f"chain broken at #{five[2].pk}: hash mismatch\n"


def test_swapped_hashes_break_at_the_first_of_them(five) -> None:
    first, second = five[1].pk, five[3].pk
    a, b = _hash(first), _hash(second)
    tamper(
        "UPDATE core_auditevent SET chain_hash = CASE id WHEN %s THEN %s ELSE %s END"
        " WHERE id IN (%s, %s)",
        [first, b, a, first, second],
    )
    assert verify() == (1, f"chain broken at #{first}: hash mismatch\n")


def _aged(days: float, message: str = "") -> AuditEvent:
    return audit_record(
        action="record.updated",
        object_type="contact",
        message=message,
        occurred_at=timezone.now() - timedelta(days=days),
    )


def test_after_a_prune_the_chain_verifies_from_its_anchor() -> None:
    old = [_aged(400 - n) for n in range(3)]
    kept = _aged(10)
    assert audit_prune(older_than_days=365) == 3
    head = AuditChainHead.objects.get()
    assert head.anchor_id == old[-1].pk
    pruned = AuditEvent.objects.get(action="audit.pruned")
    assert f"The chain starts after #{old[-1].pk}." in pruned.message
    code, output = verify()
    assert code == 0, output
    assert f"chain verified: 2 events, up to #{pruned.pk}" in output
    # and events written later chain on
    _aged(0)
    assert verify()[0] == 0
    assert AuditEvent.objects.filter(pk=kept.pk).exists()


def test_an_old_event_written_after_a_young_one_leaves_a_bridged_gap() -> None:
    young = _aged(10)
    backdated = [_aged(400), _aged(399)]
    after = _aged(5)
    assert audit_prune(older_than_days=365) == 2
    assert sorted(AuditChainGap.objects.values_list("event_id", flat=True)) == [
        event.pk for event in backdated
    ]
    assert AuditChainHead.objects.get().anchor_id is None
    assert verify()[0] == 0
    assert AuditEvent.objects.filter(pk__in=[young.pk, after.pk]).count() == 2
    _aged(0)
    assert verify()[0] == 0


def test_the_next_prune_moves_the_anchor_over_the_gaps() -> None:
    young, old, _ = _aged(360), _aged(400), _aged(1)
    assert audit_prune(older_than_days=365) == 1
    assert list(AuditChainGap.objects.values_list("event_id", "prev_id")) == [(old.pk, young.pk)]
    assert audit_prune(older_than_days=300) == 1
    assert AuditChainHead.objects.get().anchor_id == old.pk
    assert not AuditChainGap.objects.exists()
    assert verify()[0] == 0


def test_deleting_an_old_event_that_is_not_the_oldest_is_a_broken_link() -> None:
    """Inside a prune window (as the app role could), but leaving no gap behind."""
    first, middle, last = _aged(400), _aged(399), _aged(398)
    _aged(1)
    with transaction.atomic():
        window = AuditPruneWindow.objects.create(cutoff=timezone.now() - timedelta(days=365))
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [middle.pk])
        window.delete()
    assert AuditEvent.objects.filter(pk=first.pk).exists()
    assert verify()[1] == f"chain broken at #{last.pk}: previous event #{middle.pk} missing\n"


def test_moving_the_anchor_past_events_that_are_still_there_is_refused(five) -> None:
    AuditChainHead.objects.update(anchor_id=five[2].pk, anchor_hash=_hash(five[2].pk))
    code, output = verify()
    assert code == 1
    assert f"chain broken at #{five[0].pk}: kept although the retention prune ended" in output
