"""SPEC §4b Assigned To end to end: each task's owner and the reason its Description
gives, word for word, for the activity owner, the contact owner and the integration
user."""

import pytest

from core.models import SyncJob
from integrations.connections import hubspot_client, salesforce_client
from integrations.models import ContactLink, OwnerMapping
from integrations.pages.activities.services import owners_refresh
from tests.integrations.engine.activities.conftest import (
    enable,
    now,
    run_activities,
    seed,
    tasks_of,
    timedelta,
)
from tests.integrations.engine.activities.test_activity_sync import note
from tests.integrations.engine.contacts.conftest import run_sync

pytestmark = pytest.mark.django_db


def activities() -> SyncJob:
    job = run_activities()
    assert job.status == SyncJob.Status.SUCCEEDED, job.error
    return job


def description(when, reason: str, body: str, source_key: str) -> str:
    return (
        f"Note created in HubSpot at {when:%Y-%m-%d %H:%M} UTC "
        f"(synced by syncadmin; Assigned To: {reason}).\n\n{body}\n\n"
        f"syncadmin key: hubspot/{source_key}"
    )


def test_each_task_names_who_it_is_assigned_to_and_why(hubspot, salesforce, synced) -> None:
    owners_refresh(hubspot=hubspot_client(), salesforce=salesforce_client())
    mapped = list(OwnerMapping.objects.exclude(salesforce_user_id="").order_by("hubspot_owner_id"))
    unmapped = OwnerMapping.objects.filter(salesforce_user_id="").first()
    activity_owner, contact_owner = mapped[0], mapped[1]
    ann, bob = synced["ann@example.com"], synced["bob@example.com"]
    hubspot.update_contact(ann.hubspot_id, hubspot_owner_id=contact_owner.hubspot_owner_id)
    assert run_sync().status == SyncJob.Status.SUCCEEDED
    assert ContactLink.objects.get(pk=ann.pk).hubspot_owner_id == contact_owner.hubspot_owner_id
    enable("note_created")
    when = now() + timedelta(seconds=1)
    [by_activity, by_contact, by_nobody] = seed(
        hubspot,
        note([ann.hubspot_id], when, "Owned", owner=activity_owner.hubspot_owner_id),
        note([ann.hubspot_id], when, "Unmapped owner", owner=unmapped.hubspot_owner_id),
        note([bob.hubspot_id], when, "No owner"),
    )

    assert activities().created == 3

    tasks = {
        t["Description"].split("\n\n")[1]: t
        for t in tasks_of(salesforce, ann.salesforce_id) + tasks_of(salesforce, bob.salesforce_id)
    }
    expected = {
        "Owned": (activity_owner.salesforce_user_id, "activity owner", by_activity),
        "Unmapped owner": (contact_owner.salesforce_user_id, "contact owner", by_contact),
        "No owner": (salesforce_client().identity()["user_id"], "integration user", by_nobody),
    }
    assert set(tasks) == set(expected)
    for body, (user_id, reason, seeded) in expected.items():
        task = tasks[body]
        assert task["OwnerId"] == user_id
        assert task["Description"] == description(
            when, reason, body, f"{seeded['objectType']}:{seeded['id']}"
        )
