"""No activity lost, none duplicated, none round-tripped: activity sync under late
arrivals, creates whose answer is lost, refused writes and both directions on, through
the real job path against the sandbox, comparing both sides afterwards."""

from __future__ import annotations

import time
from collections import Counter

import pytest
from django.urls import reverse

from core.models import AuditEvent, SyncJob
from core.services.jobs import job_run
from integrations.connections import hubspot_client
from integrations.models import ActivityLink, ActivityType, ContactLink, RecordError
from integrations.pages.activities.preview import activity_type_preview
from tests.integrations.engine.activities.conftest import (
    enable,
    iso,
    now,
    run_activities,
    seed,
    tasks_of,
    timedelta,
)

pytestmark = pytest.mark.django_db

CREATE = "*/composite/sobjects*"


def enabled_a_day_ago(*keys: str) -> None:
    """Types turned on (and contacts first synced) a day ago, so activities of the last
    hours are inside every window."""
    for key in keys:
        enable(key)
    ActivityType.objects.filter(key__in=keys).update(enabled_at=now() - timedelta(days=1))
    ContactLink.objects.update(first_synced_at=now() - timedelta(days=1))


def note(contact_id: str, when, body: str) -> dict:
    return {
        "type": "note",
        "properties": {"hs_timestamp": iso(when), "hs_note_body": body},
        "contactIds": [contact_id],
    }


def test_activities_hubspot_records_late_still_sync(hubspot, salesforce, synced) -> None:
    """A marketing email open or an Events API event recorded after the run that passed
    its time was never read again; Preview counted it."""
    ann = synced["ann@example.com"]
    enabled_a_day_ago("marketing_email_opened", "sales_email_opened", "note_created")
    assert run_activities().status == SyncJob.Status.SUCCEEDED  # the cursors move to now

    two_hours_ago = now() - timedelta(hours=2)
    seed(
        hubspot,
        {
            "type": "email_event",
            "campaign": "Winter digest",
            "eventType": "OPEN",
            "recipient": "ann@example.com",
            "created": iso(two_hours_ago),
        },
        {
            "type": "event",
            "eventType": "e_sales_email_opened",
            "contactId": ann.hubspot_id,
            "occurredAt": iso(two_hours_ago),
            "properties": {"hs_email_subject": "Pricing follow-up"},
        },
        note(ann.hubspot_id, now() - timedelta(hours=20), "Called yesterday, notes typed up now"),
    )
    late = run_activities()

    subjects = sorted(t["Subject"] for t in tasks_of(salesforce, ann.salesforce_id))
    assert subjects == [
        "Note: Called yesterday, notes typed up now",
        "Opened: Pricing follow-up",
        "Opened: Winter digest",
    ]
    assert late.created == 3
    # read again by the next runs (the overlap), never written twice
    again = run_activities()
    assert (again.created, again.updated, again.failed) == (0, 0, 0)
    assert len(tasks_of(salesforce, ann.salesforce_id)) == 3


def test_a_task_create_applied_after_its_timeout_is_linked_never_created_twice(
    sandbox, hubspot, salesforce, synced, settings
) -> None:
    """50 of 50 notes got two tasks: recovery deleted the write-ahead links because the
    tasks were not visible yet, and the next pass created them again."""
    settings.VENDOR_TIMEOUT_S = 1
    ann = synced["ann@example.com"]
    enabled_a_day_ago("note_created")
    seed(
        hubspot, *(note(ann.hubspot_id, now() - timedelta(hours=1), f"Note {i}") for i in range(50))
    )
    sandbox.salesforce.fault(method="POST", path=CREATE, latency_ms=3_000)

    timed_out = run_activities(expect="partially_failed")
    rerun = run_activities(
        expect="partially_failed"
    )  # at once: the tasks are not in Salesforce yet

    assert (timed_out.failed, timed_out.created) == (50, 0)
    assert (rerun.failed, rerun.created) == (50, 0)
    unconfirmed = RecordError.objects.filter(
        object_type="activity", category=RecordError.Category.UNCONFIRMED
    )
    assert unconfirmed.count() == 50
    time.sleep(3.5)  # the late create lands
    settled = run_activities()

    assert settled.status == SyncJob.Status.SUCCEEDED, settled.error
    assert settled.created == 50
    tasks = tasks_of(salesforce, ann.salesforce_id)
    assert len(tasks) == 50 and len({t["Subject"] for t in tasks}) == 50
    assert set(ActivityLink.objects.values_list("salesforce_id", flat=True)) == {
        t["Id"] for t in tasks
    }
    assert AuditEvent.objects.filter(action="activity.created").count() == 50
    assert not RecordError.objects.exists()


def test_a_task_create_that_never_happened_goes_once_it_cannot_still_land(
    sandbox, hubspot, salesforce, synced, settings
) -> None:
    settings.VENDOR_TIMEOUT_S = 1
    settings.WRITE_SETTLE_S = 2
    ann = synced["ann@example.com"]
    enabled_a_day_ago("note_created")
    seed(hubspot, *(note(ann.hubspot_id, now() - timedelta(hours=1), f"N{i}") for i in range(5)))
    sandbox.salesforce.fault(method="POST", path=CREATE, drop=True)  # dropped before it ran

    assert run_activities(expect="partially_failed").failed == 5
    time.sleep(2.2)
    after = run_activities()

    assert after.status == SyncJob.Status.SUCCEEDED and after.created == 5
    assert len(tasks_of(salesforce, ann.salesforce_id)) == 5


def test_a_refused_task_is_tried_again_by_every_run_until_it_syncs(
    sandbox, hubspot, salesforce, synced
) -> None:
    ann = synced["ann@example.com"]
    enabled_a_day_ago("note_created")
    seed(hubspot, *(note(ann.hubspot_id, now() - timedelta(hours=1), f"R{i}") for i in range(3)))
    sandbox.salesforce.fault(
        method="POST",
        path=CREATE,
        record_errors={"1": {"statusCode": "UNABLE_TO_LOCK_ROW", "message": "Row locked"}},
    )
    first = run_activities(expect="partially_failed")
    assert (first.created, first.failed) == (2, 1)
    assert RecordError.objects.get(object_type="activity").message.endswith("Row locked")
    second = run_activities()  # the note did not change in HubSpot
    assert (second.created, second.failed) == (1, 0)
    assert len(tasks_of(salesforce, ann.salesforce_id)) == 3
    assert not RecordError.objects.exists()


def engagements(hubspot, object_type: str, contact_id: str) -> list[dict]:
    answer = hubspot.call(
        "GET", f"/crm/v4/objects/contacts/{contact_id}/associations/{object_type}?limit=500"
    )
    return [r["toObjectId"] for r in answer.get("results", [])]


def test_an_engagement_create_whose_answer_is_lost_is_found_not_duplicated(
    sandbox, hubspot, salesforce, synced, settings
) -> None:
    settings.VENDOR_TIMEOUT_S = 1
    ann = synced["ann@example.com"]
    enable("sf_tasks")
    for i in range(5):
        salesforce.create(
            "Task", Subject=f"Call back {i}", WhoId=ann.salesforce_id, Status="Not Started"
        )
    sandbox.hubspot.fault(method="POST", path="/crm/v3/objects/tasks/batch/create", after_drop=True)

    lost = run_activities(expect="partially_failed")
    found = run_activities()

    assert (lost.failed, lost.created) == (5, 0)
    assert found.status == SyncJob.Status.SUCCEEDED, found.error
    assert found.created == 5
    assert len(engagements(hubspot, "tasks", ann.hubspot_id)) == 5


def test_a_refused_engagement_is_tried_again_by_every_run(sandbox, hubspot, salesforce, synced):
    ann = synced["ann@example.com"]
    enable("sf_tasks")
    for i in range(3):
        salesforce.create(
            "Task", Subject=f"Demo {i}", WhoId=ann.salesforce_id, Status="Not Started"
        )
    sandbox.hubspot.fault(
        method="POST",
        path="/crm/v3/objects/tasks/batch/create",
        record_errors={"0": {"status": "error", "category": "VALIDATION_ERROR", "message": "No"}},
    )
    first = run_activities(expect="partially_failed")
    assert (first.created, first.failed) == (2, 1)
    second = run_activities()  # nothing changed in Salesforce
    assert (second.created, second.failed) == (1, 0)
    assert len(engagements(hubspot, "tasks", ann.hubspot_id)) == 3


def test_no_salesforce_activity_ever_comes_back_as_a_second_task(hubspot, salesforce, synced):
    """With both directions on, a Salesforce task / email / call / meeting copied into
    HubSpot (dated after the toggle) was read back and became a second Task."""
    ann = synced["ann@example.com"]
    enabled_a_day_ago("task_created", "sales_email_sent", "call_logged", "meeting_booked")
    for key in ("sf_tasks", "sf_emails", "sf_calls", "sf_meetings"):
        enable(key)
    tomorrow = (now() + timedelta(days=1)).date().isoformat()
    salesforce.create(
        "Task",
        Subject="Send proposal",
        WhoId=ann.salesforce_id,
        Status="Not Started",
        ActivityDate=tomorrow,
    )
    salesforce.create(
        "Task",
        Subject="Proposal sent",
        WhoId=ann.salesforce_id,
        Status="Completed",
        TaskSubtype="Email",
        ActivityDate=tomorrow,
    )
    salesforce.create(
        "Task",
        Subject="Intro call",
        WhoId=ann.salesforce_id,
        Status="Completed",
        TaskSubtype="Call",
        ActivityDate=tomorrow,
    )
    start = now() + timedelta(days=2)
    salesforce.create(
        "Event",
        Subject="Demo",
        WhoId=ann.salesforce_id,
        StartDateTime=iso(start),
        EndDateTime=iso(start + timedelta(hours=1)),
    )

    for _ in range(3):
        job = run_activities()
        assert job.status == SyncJob.Status.SUCCEEDED, job.error

    tasks = Counter(t["Subject"] for t in tasks_of(salesforce, ann.salesforce_id))
    assert tasks == Counter({"Send proposal": 1, "Proposal sent": 1, "Intro call": 1})
    events = salesforce.query(f"SELECT Id FROM Event WHERE WhoId = '{ann.salesforce_id}'")
    assert len(events) == 1
    assert ActivityLink.objects.filter(source="salesforce").count() == 4
    assert not ActivityLink.objects.filter(source="hubspot").exists()


def test_retry_in_sync_health_tries_a_refused_activity_again(
    sandbox, hubspot, salesforce, synced, admin_web
) -> None:
    ann = synced["ann@example.com"]
    enabled_a_day_ago("note_created")
    seed(hubspot, note(ann.hubspot_id, now() - timedelta(hours=1), "Retry me"))
    sandbox.salesforce.fault(
        method="POST",
        path=CREATE,
        record_errors={"0": {"statusCode": "UNABLE_TO_LOCK_ROW", "message": "Row locked"}},
    )
    assert run_activities(expect="partially_failed").failed == 1
    error = RecordError.objects.get(object_type="activity")

    response = admin_web.post(reverse("health_retry"), {"record": error.pk})

    job = SyncJob.objects.get(kind="activities.sync", trigger="retry")
    assert response.url == reverse("job_detail", args=[job.pk])
    assert job_run(job_id=job.pk).created == 1
    assert [t["Subject"] for t in tasks_of(salesforce, ann.salesforce_id)] == ["Note: Retry me"]
    assert not RecordError.objects.exists()


def test_preview_counts_the_whole_window_whatever_the_cursors_say(hubspot, synced) -> None:
    enable("marketing_email_opened")
    opened = {"type": "email_event", "campaign": "Autumn", "eventType": "OPEN"}
    seed(
        hubspot,
        {**opened, "recipient": "ann@example.com", "created": iso(now() - timedelta(days=10))},
    )
    assert run_activities().created == 1  # the type's cursor is now
    # an open HubSpot reports late: it happened before the cursor, inside the window
    seed(
        hubspot,
        {**opened, "recipient": "ann@example.com", "created": iso(now() - timedelta(days=9))},
    )

    preview = activity_type_preview(key="marketing_email_opened", hubspot=hubspot_client())
    assert (preview.count, preview.enabled) == (1, True)  # the late one; not the synced one
