"""SPEC §3.5 auto-create, the rule alone (``auto_create.py``): a lead follows the leads
setting, a contact the contacts setting, and only a record created at or after the
moment its setting was last turned on is covered, while the setting is on."""

from datetime import UTC, datetime, timedelta

import pytest

from integrations.models import ContactSyncSettings
from integrations.rules.auto_create import auto_create_applies

TURNED_ON = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
TICK = timedelta(microseconds=1)


def settings(*, leads: bool = False, contacts: bool = False, since=TURNED_ON, **extra):
    return ContactSyncSettings(
        auto_create_from_leads=leads,
        auto_create_from_leads_since=since if leads else None,
        auto_create_from_contacts=contacts,
        auto_create_from_contacts_since=since if contacts else None,
        **extra,
    )


@pytest.mark.parametrize(
    ("created_at", "covered"),
    [
        (TURNED_ON - timedelta(days=1), False),
        (TURNED_ON - TICK, False),
        (TURNED_ON, True),
        (TURNED_ON + TICK, True),
        (TURNED_ON + timedelta(days=30), True),
        (None, False),
    ],
)
@pytest.mark.parametrize(("salesforce_type", "flag"), [("Lead", "leads"), ("Contact", "contacts")])
def test_only_records_created_since_their_setting_was_turned_on_are_auto_created(
    salesforce_type: str, flag: str, created_at, covered: bool
) -> None:
    on = settings(**{flag: True})
    assert (
        auto_create_applies(on, salesforce_type=salesforce_type, created_at=created_at) is covered
    )


@pytest.mark.parametrize("salesforce_type", ["Lead", "Contact"])
def test_nothing_is_auto_created_while_the_setting_is_off(salesforce_type: str) -> None:
    off = settings()
    assert not auto_create_applies(
        off, salesforce_type=salesforce_type, created_at=TURNED_ON + timedelta(days=1)
    )


@pytest.mark.parametrize("salesforce_type", ["Lead", "Contact"])
def test_a_setting_turned_off_again_keeps_its_time_but_covers_nothing(salesforce_type) -> None:
    # turning a setting off leaves its "since" in place: only "on" makes it count
    off_again = ContactSyncSettings(
        auto_create_from_leads=False,
        auto_create_from_leads_since=TURNED_ON,
        auto_create_from_contacts=False,
        auto_create_from_contacts_since=TURNED_ON,
    )
    assert not auto_create_applies(
        off_again, salesforce_type=salesforce_type, created_at=TURNED_ON + timedelta(days=1)
    )


@pytest.mark.parametrize("salesforce_type", ["Lead", "Contact"])
def test_a_setting_on_without_a_time_covers_nothing(salesforce_type: str) -> None:
    no_time = ContactSyncSettings(auto_create_from_leads=True, auto_create_from_contacts=True)
    assert not auto_create_applies(
        no_time, salesforce_type=salesforce_type, created_at=TURNED_ON + timedelta(days=1)
    )


def test_the_leads_setting_covers_leads_only_and_the_contacts_setting_contacts_only() -> None:
    after = TURNED_ON + timedelta(hours=1)
    leads_only = settings(leads=True)
    assert auto_create_applies(leads_only, salesforce_type="Lead", created_at=after)
    assert not auto_create_applies(leads_only, salesforce_type="Contact", created_at=after)
    contacts_only = settings(contacts=True)
    assert auto_create_applies(contacts_only, salesforce_type="Contact", created_at=after)
    assert not auto_create_applies(contacts_only, salesforce_type="Lead", created_at=after)


def test_each_setting_is_measured_from_its_own_time() -> None:
    both = ContactSyncSettings(
        auto_create_from_leads=True,
        auto_create_from_leads_since=TURNED_ON,
        auto_create_from_contacts=True,
        auto_create_from_contacts_since=TURNED_ON + timedelta(days=2),
    )
    between = TURNED_ON + timedelta(days=1)
    assert auto_create_applies(both, salesforce_type="Lead", created_at=between)
    assert not auto_create_applies(both, salesforce_type="Contact", created_at=between)
