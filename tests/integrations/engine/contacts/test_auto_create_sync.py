"""SPEC §3.5 auto-create end to end, for leads and for contacts: a Salesforce record
creates its HubSpot contact only when it was created while its setting was on and
since the setting was last turned on. Records created before the setting was turned
on, while it was off, or during an earlier "on" that was turned off before they
synced, never are (turning it on again is not retroactive either)."""

import time

import pytest

from core.models import AuditEvent, SyncJob
from integrations.models import ContactLink, ContactSyncSettings
from tests.integrations.engine.contacts.conftest import contact_options, run_sync

pytestmark = pytest.mark.django_db

FLAG = {"Lead": "auto_create_from_leads", "Contact": "auto_create_from_contacts"}
OTHER = {"Lead": "Contact", "Contact": "Lead"}


def turn(flag: str, on: bool) -> None:
    contact_options(**{flag: on})
    # Salesforce stamps CreatedDate in whole milliseconds: the next record is created
    # in a later millisecond than the moment the setting was turned on
    time.sleep(0.002)


def sync() -> SyncJob:
    job = run_sync()
    assert job.status == SyncJob.Status.SUCCEEDED, job.error
    return job


def create(salesforce, salesforce_type: str, name: str) -> str:
    fields = {"LastName": name.title(), "Email": f"{name}@example.com"}
    if salesforce_type == "Lead":
        fields["Company"] = "Acme"
    return salesforce.create(salesforce_type, **fields)


def touch(salesforce, salesforce_type: str, *record_ids: str) -> None:
    """Change the records in Salesforce, so the next sync reads them again."""
    for record_id in record_ids:
        salesforce.update(salesforce_type, record_id, Phone="+358 9")


def in_hubspot(hubspot, *names: str) -> set[str]:
    return {n for n in names if hubspot.contact_by_email(f"{n}@example.com") is not None}


NAMES = ("before", "on", "othertype", "unsynced", "off", "again")


@pytest.mark.parametrize("salesforce_type", ["Lead", "Contact"])
def test_auto_create_covers_only_records_created_since_it_was_last_turned_on(
    salesforce_type: str, hubspot, salesforce
) -> None:
    flag, other = FLAG[salesforce_type], OTHER[salesforce_type]
    before = create(salesforce, salesforce_type, "before")
    turn(flag, True)
    first_on = getattr(ContactSyncSettings.load(), f"{flag}_since")
    on = create(salesforce, salesforce_type, "on")
    othertype = create(salesforce, other, "othertype")  # the other setting is off

    sync()

    assert in_hubspot(hubspot, *NAMES) == {"on"}
    link = ContactLink.objects.get(salesforce_id=on)
    assert (link.origin, link.salesforce_type) == ("auto_create", salesforce_type)
    created = AuditEvent.objects.get(action="record.created", salesforce_id=on)
    assert created.message == (
        f"A new Salesforce {salesforce_type.lower()} created (or linked to) this HubSpot "
        "contact (auto-create setting), even outside the inclusion list."
    )
    assert created.direction == "sf_to_hs"

    unsynced = create(salesforce, salesforce_type, "unsynced")  # on, but not synced yet
    turn(flag, False)
    off = create(salesforce, salesforce_type, "off")
    touch(salesforce, salesforce_type, before)
    touch(salesforce, other, othertype)

    sync()

    assert in_hubspot(hubspot, *NAMES) == {"on"}

    turn(flag, True)
    assert getattr(ContactSyncSettings.load(), f"{flag}_since") > first_on
    again = create(salesforce, salesforce_type, "again")
    touch(salesforce, salesforce_type, before, unsynced, off)
    touch(salesforce, other, othertype)

    job = sync()

    assert in_hubspot(hubspot, *NAMES) == {"on", "again"}
    assert job.created == 1
    assert ContactLink.objects.get(salesforce_id=again).origin == "auto_create"
    for never in (before, unsynced, off, othertype):
        assert not ContactLink.objects.filter(salesforce_id=never).exists()
