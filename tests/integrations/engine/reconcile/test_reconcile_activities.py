"""Reconcile, activities: every activity the rules say syncs is there exactly once; a
deleted task or engagement is found, and Fix has the activity sync write it again."""

import pytest

from core.models import SyncJob
from integrations.models import ActivityLink, ReconcileFinding
from tests.integrations.engine.activities.conftest import (
    enable,
    now,
    run_activities,
    seed,
    tasks_of,
    timedelta,
)
from tests.integrations.engine.reconcile.conftest import (
    assert_counts_add_up,
    fix_and_verify,
    open_findings,
    person,
    run_reconcile,
    run_sync,
    salesforce_delete,
)

pytestmark = pytest.mark.django_db


def note(contact_id: str, body: str) -> dict:
    return {
        "type": "note",
        "properties": {
            "hs_timestamp": (now() + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "hs_note_body": body,
        },
        "contactIds": [contact_id],
    }


@pytest.fixture
def ann(hubspot, salesforce):
    [contact] = hubspot.create_contacts(person("ann@example.com"))
    run_sync("all")
    from integrations.models import ContactLink

    return ContactLink.objects.get(hubspot_id=contact)


def test_synced_activities_agree_both_ways(hubspot, salesforce, ann) -> None:
    enable("note_created")
    enable("sf_tasks")
    seed(hubspot, note(ann.hubspot_id, "Pricing call"))
    salesforce.create("Task", Subject="Follow up", WhoId=ann.salesforce_id, Status="Not Started")
    assert run_activities().status == SyncJob.Status.SUCCEEDED
    job = run_reconcile()
    assert open_findings() == set()
    # Ann, the note and the Salesforce task
    assert (job.seen, job.unchanged, job.failed) == (3, 3, 0)
    assert_counts_add_up(job)


def test_a_deleted_task_is_found_and_fix_writes_it_again(hubspot, salesforce, ann) -> None:
    enable("note_created")
    [item] = seed(hubspot, note(ann.hubspot_id, "Pricing call"))
    run_activities()
    [task] = tasks_of(salesforce, ann.salesforce_id)
    salesforce_delete(salesforce, "Task", task["Id"])
    job = run_reconcile()
    [finding] = ReconcileFinding.objects.all()
    assert finding.kind == "activity_not_synced" and finding.object_type == "activity"
    assert finding.record_key.startswith("hs:notes:")
    assert task["Id"] in finding.message  # "its Salesforce task ... no longer exists"
    assert (job.seen, job.failed) == (2, 1)
    assert_counts_add_up(job)

    resync, check = fix_and_verify(finding_ids=[finding.pk])

    assert resync.kind == "activities.sync" and resync.status == SyncJob.Status.SUCCEEDED
    [again] = tasks_of(salesforce, ann.salesforce_id)
    assert again["Id"] != task["Id"] and again["Subject"] == "Note: Pricing call"
    assert check.params["findings"] == {} and open_findings() == set()


def test_a_second_copy_of_a_task_is_a_duplicate(hubspot, salesforce, ann) -> None:
    enable("note_created")
    seed(hubspot, note(ann.hubspot_id, "Pricing call"))
    run_activities()
    [task] = tasks_of(salesforce, ann.salesforce_id)
    copy = salesforce.create(
        "Task",
        Subject=task["Subject"],
        WhoId=ann.salesforce_id,
        Status="Completed",
        Description=task["Description"],
    )
    run_reconcile()
    [finding] = ReconcileFinding.objects.all()
    assert finding.kind == "duplicate" and finding.object_type == "activity"
    assert set(finding.details["records"]) == {task["Id"], copy}


def test_a_deleted_engagement_is_found_and_fix_writes_it_again(hubspot, salesforce, ann) -> None:
    enable("sf_tasks")
    task = salesforce.create(
        "Task", Subject="Follow up", WhoId=ann.salesforce_id, Status="Not Started"
    )
    run_activities()
    link = ActivityLink.objects.get(source="salesforce")
    hubspot.call("DELETE", f"/crm/v3/objects/tasks/{link.hubspot_id.split(':')[1]}")
    run_reconcile()
    assert open_findings() == {("activity_not_synced", f"sf:{task}", "")}

    resync, check = fix_and_verify()

    assert resync.kind == "activities.sync" and resync.status == SyncJob.Status.SUCCEEDED
    new = ActivityLink.objects.get(source="salesforce")
    assert new.hubspot_id and new.hubspot_id != link.hubspot_id
    assert open_findings() == set()


def test_activities_of_a_type_that_is_off_are_not_compared(hubspot, salesforce, ann) -> None:
    enable("note_created")
    seed(hubspot, note(ann.hubspot_id, "Pricing call"))
    from integrations.pages.activities.services import activity_type_update

    activity_type_update(actor=None, key="note_created", enabled=False)
    job = run_reconcile()
    assert open_findings() == set() and job.seen == 1
