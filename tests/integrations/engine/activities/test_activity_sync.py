"""SPEC §4 rule by rule: windows, subjects, task types, contacts, Assigned To, no echo."""

import pytest

from integrations.connections import hubspot_client, salesforce_client
from integrations.models import ActivityLink, ContactLink, OwnerMapping, WaitingActivity
from tests.integrations.engine.activities.conftest import (
    enable,
    iso,
    now,
    run_activities,
    seed,
    tasks_of,
    timedelta,
)
from tests.integrations.engine.contacts.conftest import person, run_sync

pytestmark = pytest.mark.django_db


def email_open(recipient: str, days_ago: float, campaign: str = "Spring launch") -> dict:
    return {
        "type": "email_event",
        "campaign": campaign,
        "eventType": "OPEN",
        "recipient": recipient,
        "created": iso(now() - timedelta(days=days_ago)),
    }


def note(contact_ids: list[str], when, body: str = "Discussed pricing\nmore", owner=None) -> dict:
    item = {
        "type": "note",
        "properties": {"hs_timestamp": iso(when), "hs_note_body": body},
        "contactIds": contact_ids,
    }
    if owner:
        item["ownerId"] = owner
    return item


def test_marketing_email_events_from_the_30_days_before_the_toggle(
    hubspot, salesforce, synced
) -> None:
    enable("marketing_email_opened", task_type="Email")
    seed(hubspot, email_open("ann@example.com", 29), email_open("ann@example.com", 31, "Old news"))
    job = run_activities()
    [task] = tasks_of(salesforce, synced["ann@example.com"].salesforce_id)
    assert task["Subject"] == "Opened: Spring launch"
    assert task["Type"] == "Email" and task["Status"] == "Completed"
    assert job.created == 1


def test_form_submissions_from_the_year_before_the_toggle(hubspot, salesforce, synced) -> None:
    enable("form_submission")
    for days in (364, 366):
        seed(
            hubspot,
            {
                "type": "form_submission",
                "form": "Contact us",
                "email": "bob@example.com",
                "submittedAt": iso(now() - timedelta(days=days)),
                "values": {"message": f"{days} days ago"},
            },
        )
    run_activities()
    [task] = tasks_of(salesforce, synced["bob@example.com"].salesforce_id)
    assert task["Subject"] == "Submitted: Contact us"
    assert "364 days ago" in task["Description"]
    assert not task["Type"]  # -- No task type --


def test_sales_activities_only_after_the_toggle(hubspot, salesforce, synced) -> None:
    ann = synced["ann@example.com"]
    seed(hubspot, note([ann.hubspot_id], now() - timedelta(hours=1), "Before the toggle"))
    enable("note_created")
    seed(hubspot, note([ann.hubspot_id], now() + timedelta(seconds=1), "After the toggle\nline 2"))
    run_activities()
    [task] = tasks_of(salesforce, ann.salesforce_id)
    assert task["Subject"] == "Note: After the toggle"


def test_sales_activities_before_the_contacts_first_sync_never_go(hubspot, salesforce) -> None:
    enable("note_created")
    enable("marketing_email_opened")
    [contact] = hubspot.create_contacts(person("late@example.com"))
    seed(
        hubspot,
        note([contact], now(), "Before the contact synced"),
        email_open("late@example.com", 2),
    )
    run_activities()
    assert WaitingActivity.objects.count() == 2  # both wait for the contact
    run_sync("all")
    run_activities()
    link = ContactLink.objects.get(hubspot_id=contact)
    subjects = [t["Subject"] for t in tasks_of(salesforce, link.salesforce_id)]
    assert subjects == ["Opened: Spring launch"]  # the note happened before the first sync
    assert not WaitingActivity.objects.exists()


def test_an_email_to_several_contacts_goes_to_the_most_recently_created(
    hubspot, salesforce, synced
) -> None:
    ann, bob = synced["ann@example.com"], synced["bob@example.com"]
    ContactLink.objects.filter(pk=ann.pk).update(hubspot_created_at=now() - timedelta(days=3))
    ContactLink.objects.filter(pk=bob.pk).update(hubspot_created_at=now() - timedelta(days=1))
    enable("sales_email_sent")
    seed(
        hubspot,
        {
            "type": "email",
            "properties": {
                "hs_timestamp": iso(now() + timedelta(seconds=1)),
                "hs_email_subject": "Proposal",
                "hs_email_direction": "EMAIL",
            },
            "contactIds": [ann.hubspot_id, bob.hubspot_id],
        },
    )
    run_activities()
    assert [t["Subject"] for t in tasks_of(salesforce, bob.salesforce_id)] == [
        "Sent email: Proposal"
    ]
    assert tasks_of(salesforce, ann.salesforce_id) == []


def test_same_creation_day_goes_to_the_highest_hubspot_id(hubspot, salesforce, synced) -> None:
    ann, bob = synced["ann@example.com"], synced["bob@example.com"]
    day = now().replace(hour=12)
    ContactLink.objects.filter(pk=ann.pk).update(hubspot_created_at=day - timedelta(hours=2))
    ContactLink.objects.filter(pk=bob.pk).update(hubspot_created_at=day - timedelta(hours=5))
    highest = max((ann, bob), key=lambda link: int(link.hubspot_id))
    enable("note_created")
    seed(hubspot, note([ann.hubspot_id, bob.hubspot_id], now() + timedelta(seconds=1)))
    run_activities()
    assert len(tasks_of(salesforce, highest.salesforce_id)) == 1
    other = bob if highest is ann else ann
    assert tasks_of(salesforce, other.salesforce_id) == []


def mapped_owner() -> OwnerMapping:
    from integrations.pages.activities.services import owners_refresh

    owners_refresh(hubspot=hubspot_client(), salesforce=salesforce_client())
    return OwnerMapping.objects.exclude(salesforce_user_id="").order_by("hubspot_owner_id").first()


def test_assigned_to_is_the_activity_owner_when_mapped(hubspot, salesforce, synced) -> None:
    owner = mapped_owner()
    ann = synced["ann@example.com"]
    enable("note_created")
    seed(
        hubspot, note([ann.hubspot_id], now() + timedelta(seconds=1), owner=owner.hubspot_owner_id)
    )
    run_activities()
    [task] = tasks_of(salesforce, ann.salesforce_id)
    assert task["OwnerId"] == owner.salesforce_user_id


def test_assigned_to_falls_back_to_the_contact_owner(hubspot, salesforce, synced) -> None:
    owners = list(OwnerMapping.objects.exclude(salesforce_user_id="")) or [mapped_owner()]
    contact_owner = owners[-1]
    ann = synced["ann@example.com"]
    ContactLink.objects.filter(pk=ann.pk).update(hubspot_owner_id=contact_owner.hubspot_owner_id)
    unmapped = OwnerMapping.objects.filter(salesforce_user_id="").first()
    enable("note_created")
    seed(
        hubspot,
        note(
            [ann.hubspot_id],
            now() + timedelta(seconds=1),
            owner=unmapped.hubspot_owner_id if unmapped else None,
        ),
    )
    run_activities()
    [task] = tasks_of(salesforce, ann.salesforce_id)
    assert task["OwnerId"] == contact_owner.salesforce_user_id


def test_assigned_to_is_the_integration_user_otherwise(hubspot, salesforce, synced) -> None:
    ann = synced["ann@example.com"]
    enable("note_created")
    seed(hubspot, note([ann.hubspot_id], now() + timedelta(seconds=1)))
    run_activities()
    [task] = tasks_of(salesforce, ann.salesforce_id)
    assert task["OwnerId"] == salesforce_client().identity()["user_id"]


def test_one_task_per_activity_and_updates_flow_to_it(hubspot, salesforce, synced) -> None:
    ann = synced["ann@example.com"]
    enable("task_created")
    [created] = seed(
        hubspot,
        {
            "type": "task",
            "properties": {
                "hs_timestamp": iso(now() + timedelta(seconds=1)),
                "hs_task_subject": "Call back",
                "hs_task_status": "NOT_STARTED",
                "hs_task_priority": "HIGH",
            },
            "contactIds": [ann.hubspot_id],
        },
    )
    run_activities()
    run_activities()
    [task] = tasks_of(salesforce, ann.salesforce_id)
    assert (task["Subject"], task["Status"], task["Priority"]) == (
        "Call back",
        "Not Started",
        "High",
    )
    hubspot.call(
        "PATCH",
        f"/crm/v3/objects/tasks/{created['id']}",
        {"properties": {"hs_task_subject": "Call back on Monday"}},
    )
    job = run_activities()
    [task] = tasks_of(salesforce, ann.salesforce_id)
    assert task["Subject"] == "Call back on Monday" and job.updated == 1


def test_a_crash_after_the_tasks_were_created_never_duplicates_them(
    hubspot, salesforce, synced, monkeypatch
) -> None:
    from integrations.engine.activities.sync import ActivitySync

    ann = synced["ann@example.com"]
    enable("note_created")
    seed(
        hubspot, *(note([ann.hubspot_id], now() + timedelta(seconds=1), f"N{i}") for i in range(3))
    )
    monkeypatch.setattr(
        ActivitySync, "_created", lambda *a, **k: (_ for _ in ()).throw(OSError("killed"))
    )
    crashed = run_activities(expect="failed")
    assert crashed.status == "failed"
    assert len(tasks_of(salesforce, ann.salesforce_id)) == 3
    monkeypatch.undo()
    rerun = run_activities()
    assert rerun.status == "succeeded", rerun.error
    assert len(tasks_of(salesforce, ann.salesforce_id)) == 3
    assert ActivityLink.objects.exclude(salesforce_id="").count() == 3


def test_salesforce_tasks_come_back_only_after_the_toggle_and_never_echo(
    connected, hubspot, salesforce, synced
) -> None:
    ann = synced["ann@example.com"]
    old = salesforce.create(
        "Task", Subject="Before toggle", WhoId=ann.salesforce_id, Status="Completed"
    )
    enable("sf_tasks")
    enable("note_created")
    seed(hubspot, note([ann.hubspot_id], now() + timedelta(seconds=1), "Ours"))
    new = salesforce.create(
        "Task", Subject="Follow up", WhoId=ann.salesforce_id, Status="Not Started"
    )
    run_activities()
    run_activities()
    links = ActivityLink.objects.filter(source="salesforce")
    assert [link.salesforce_id for link in links] == [new]
    hubspot_id = links.get().hubspot_id.split(":")[1]
    task = hubspot.call("GET", f"/crm/v3/objects/tasks/{hubspot_id}?properties=hs_task_subject")
    assert task["properties"]["hs_task_subject"] == "Follow up"
    assert old not in {link.salesforce_id for link in ActivityLink.objects.all()}
    # the note syncadmin wrote to Salesforce did not come back as a HubSpot task
    assert ActivityLink.objects.filter(source="hubspot").count() == 1


def test_a_changed_assigned_to_flows_back_to_the_hubspot_activity(
    hubspot, salesforce, synced
) -> None:
    owner = mapped_owner()
    ann = synced["ann@example.com"]
    enable("note_created")
    enable("sf_tasks")
    [created] = seed(hubspot, note([ann.hubspot_id], now() + timedelta(seconds=1)))
    run_activities()
    [task] = tasks_of(salesforce, ann.salesforce_id)
    salesforce.update("Task", task["Id"], OwnerId=owner.salesforce_user_id)
    run_activities()
    moved = hubspot.call(
        "GET", f"/crm/v3/objects/notes/{created['id']}?properties=hubspot_owner_id"
    )
    assert moved["properties"]["hubspot_owner_id"] == owner.hubspot_owner_id


def test_a_crash_after_hubspot_created_the_engagements_never_duplicates_them(
    hubspot, salesforce, synced, monkeypatch
) -> None:
    from integrations.engine.activities import sync as activities

    ann = synced["ann@example.com"]
    enable("sf_calls")
    for i in range(3):
        salesforce.create(
            "Task",
            Subject=f"Call {i}",
            WhoId=ann.salesforce_id,
            Status="Completed",
            TaskSubtype="Call",
        )
    real = activities.ActivityLink.objects.filter

    def crash_after_create(*args, **kwargs):
        if (
            kwargs.get("hubspot_id") == ""
            and kwargs.get("source") == "salesforce"
            and ("source_key" in kwargs)
        ):
            raise OSError("worker killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(activities.ActivityLink.objects, "filter", crash_after_create)
    run_activities(expect="failed")
    monkeypatch.undo()
    rerun = run_activities()
    assert rerun.status == "succeeded", rerun.error
    calls = hubspot.call("GET", f"/crm/v4/objects/contacts/{ann.hubspot_id}/associations/calls")[
        "results"
    ]
    assert len(calls) == 3
    assert ActivityLink.objects.filter(source="salesforce").exclude(hubspot_id="").count() == 3
