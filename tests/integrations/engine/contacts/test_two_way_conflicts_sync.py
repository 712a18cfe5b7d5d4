"""SPEC §3 two-way fields end to end: when both vendors changed a field since the last
sync, the record changed last wins, and the audit entry says field, before, after,
direction and rule."""

import time

import pytest

from core.models import AuditEvent, SyncJob
from tests.integrations.engine.contacts.conftest import person, run_sync

pytestmark = pytest.mark.django_db

TWO_WAY = "Two-way (most recent change wins)"


def sync() -> SyncJob:
    job = run_sync()
    assert job.status == SyncJob.Status.SUCCEEDED, job.error
    return job


def later() -> None:
    """Both vendors stamp changes in whole milliseconds: the next change is a later one."""
    time.sleep(0.002)


@pytest.fixture
def linked(hubspot, salesforce) -> tuple[str, str]:
    [contact_id] = hubspot.create_contacts(person("two@example.com", phone="111"))
    sync()
    [lead] = salesforce.people("two@example.com")
    return contact_id, lead["Id"]


def test_a_conflict_is_won_by_salesforce_when_it_changed_last(hubspot, salesforce, linked) -> None:
    contact_id, lead_id = linked
    hubspot.update_contact(contact_id, phone="222")
    later()
    salesforce.update("Lead", lead_id, Phone="333")

    job = sync()

    assert hubspot.contact(contact_id)["phone"] == "333"
    assert salesforce.people("two@example.com")[0]["Phone"] == "333"
    update = AuditEvent.objects.get(action="record.updated", job_id=job.pk)
    assert update.changes == [
        {
            "field": "phone",
            "before": "222",
            "after": "333",
            "rule": TWO_WAY,
            "direction": "sf_to_hs",
        }
    ]


def test_a_conflict_is_won_by_hubspot_when_it_changed_last(hubspot, salesforce, linked) -> None:
    contact_id, lead_id = linked
    salesforce.update("Lead", lead_id, Phone="333")
    later()
    hubspot.update_contact(contact_id, phone="222")

    job = sync()

    assert salesforce.people("two@example.com")[0]["Phone"] == "222"
    assert hubspot.contact(contact_id)["phone"] == "222"
    update = AuditEvent.objects.get(action="record.updated", job_id=job.pk)
    assert update.changes == [
        {
            "field": "Phone",
            "before": "333",
            "after": "222",
            "rule": TWO_WAY,
            "direction": "hs_to_sf",
        }
    ]


def test_an_edit_only_in_hubspot_survives_salesforce_touching_the_record_later(
    hubspot, salesforce, linked
) -> None:
    contact_id, lead_id = linked
    hubspot.update_contact(contact_id, phone="222")
    later()
    salesforce.update("Lead", lead_id, Title="CTO")  # another field, later

    sync()

    assert salesforce.people("two@example.com")[0]["Phone"] == "222"
    props = hubspot.contact(contact_id, "phone", "jobtitle")
    assert (props["phone"], props["jobtitle"]) == ("222", "CTO")
