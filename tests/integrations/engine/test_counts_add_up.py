"""Counts that add up, for every job kind: ``seen`` is the sum of the outcome buckets, each
bucket counts exactly its audit events, and a skipped record says why.

New users found 594 linked records in no counter, a list sync with 5 seen and 0 in every
counter, 2,194 skipped with no reason and an activity job with 1,580 skips and no skip
event. Each test below runs one job kind against the sandbox and checks both invariants
and the buckets a user would expect.
"""

import pytest
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent, SyncJob
from core.services.jobs import job_run
from integrations.connections import hubspot_client
from integrations.models import ContactSyncSettings, RecordError
from integrations.pages.contacts.services import inclusion_list_choose
from integrations.pages.health.services import health_retry
from tests.integrations.engine.activities.conftest import (
    enable,
    iso,
    now,
    run_activities,
    seed,
    timedelta,
)
from tests.integrations.engine.contacts.conftest import person, run_sync
from tests.outcomes import assert_counts_add_up

pytestmark = pytest.mark.django_db


def buckets(job: SyncJob) -> dict[str, int]:
    return {o: getattr(job, o) for o in SyncJob.OUTCOMES if getattr(job, o)}


@pytest.fixture
def mixed(hubspot, salesforce):
    """New contacts, one matching an existing lead, one without email, one that Salesforce
    refuses, and a Salesforce lead no HubSpot contact has."""
    hubspot.create_contacts(
        person("new1@example.com"),
        person("new2@example.com"),
        person("match@example.com"),
        person("refused@example.com", company=""),
    )
    hubspot.create_contacts({"firstname": "No", "lastname": "Email"})
    salesforce.create("Lead", LastName="Match", Company="Acme", Email="match@example.com")
    salesforce.create("Lead", LastName="Only", Company="Acme", Email="only-sf@example.com")
    return hubspot, salesforce


def test_the_first_sync_counts_every_record_in_exactly_one_bucket(mixed) -> None:
    job = run_sync(expect="partially_failed")
    assert_counts_add_up(job)
    assert buckets(job) == {"created": 2, "linked": 1, "skipped": 2, "failed": 1}
    assert job.seen == 6
    assert job.skipped_reasons == {"no_email": 1, "not_in_hubspot": 1}
    skipped = AuditEvent.objects.get(job_id=job.pk, reason="not_in_hubspot")
    assert skipped.email == "only-sf@example.com" and skipped.status == "skipped"
    assert "auto-create is off" in skipped.message


def test_a_rerun_counts_the_retried_failure_and_nothing_it_did_not_look_at(mixed) -> None:
    run_sync(expect="partially_failed")
    again = run_sync(expect="partially_failed")
    assert_counts_add_up(again)
    # the open error is tried again (and fails again); nothing else changed
    assert buckets(again) == {"failed": 1}


def test_sync_all_counts_unchanged_records(mixed) -> None:
    run_sync(expect="partially_failed")
    job = run_sync("all", expect="partially_failed")
    assert_counts_add_up(job)
    assert job.unchanged == 3  # new1, new2, match: both sides agree already
    assert job.skipped_reasons.get("no_email") == 1


def test_a_field_change_is_updated_and_linking_and_updating_counts_once(mixed) -> None:
    hubspot, salesforce = mixed
    run_sync(expect="partially_failed")
    [lead] = salesforce.people("new1@example.com")
    salesforce.update("Lead", lead["Id"], Phone="+358 1")
    job = run_sync(expect="partially_failed")
    assert_counts_add_up(job)
    assert job.updated == 1
    event = AuditEvent.objects.get(job_id=job.pk, outcome="updated")
    assert event.email == "new1@example.com"


def test_a_list_sync_of_members_that_agree_is_unchanged_not_zero(hubspot, salesforce) -> None:
    hubspot.create_contacts(*(person(f"vip{i}@example.com", jobtitle="VIP") for i in range(5)))
    hubspot.create_contacts(person("out@example.com"))
    inclusion_list_choose(
        actor=None, list_id=hubspot.create_list("VIPs", jobtitle="VIP"), hubspot=hubspot_client()
    )
    first = run_sync("all")
    assert_counts_add_up(first)
    assert first.created == 5 and first.skipped_reasons == {"not_in_list": 1}
    job = run_sync("list")
    assert_counts_add_up(job)
    assert (job.seen, job.unchanged) == (5, 5)


def test_one_contact(mixed) -> None:
    run_sync(expect="partially_failed")
    job = run_sync("one", contact="new1@example.com")
    assert_counts_add_up(job)
    assert buckets(job) == {"unchanged": 1}


def test_retry_from_sync_health(mixed) -> None:
    hubspot, _ = mixed
    run_sync(expect="partially_failed")
    error = RecordError.objects.get(email="refused@example.com")
    hubspot.update_contact(error.hubspot_id, company="Acme")
    started = health_retry(actor=None, record_ids=[error.pk])
    for _, start in started.starts:
        job = job_run(job_id=start.job.pk)
        assert_counts_add_up(job)
        assert buckets(job) == {"created": 1}


def test_import_says_why_it_skipped(hubspot, salesforce) -> None:
    hubspot.create_contacts(person("both@example.com"))
    run_sync()
    salesforce.create("Lead", LastName="Dup", Company="Acme", Email="both@example.com")
    salesforce.create("Lead", LastName="Imp", Company="Acme", Email="imported@example.com")
    salesforce.create("Contact", LastName="Twin", Email="twin@example.com")
    salesforce.create("Lead", LastName="Twin", Company="Acme", Email="twin@example.com")
    job = run_sync("import")
    assert_counts_add_up(job)
    assert job.created == 2  # imported@ and one twin@
    assert set(job.skipped_reasons) == {"duplicate_email"}
    assert job.skipped_reasons["duplicate_email"] == 2  # the second both@ and twin@ records


def test_activity_sync_both_ways_counts_and_explains_skips(hubspot, salesforce) -> None:
    hubspot.create_contacts(person("ann@example.com"))
    run_sync()
    ann = hubspot_client().contacts_batch_read(["ann@example.com"], ["email"], "email")
    ann_id = ann.records[0]["id"]
    [lead] = salesforce.people("ann@example.com")
    enable("note_created")
    enable("marketing_email_opened")
    enable("sf_tasks")
    enable("form_submission")
    later = now() + timedelta(seconds=1)
    seed(
        hubspot,
        {"type": "note", "properties": {"hs_timestamp": iso(later)}, "contactIds": [ann_id]},
        {
            "type": "email_event",
            "campaign": "Old news",
            "eventType": "OPEN",
            "recipient": "ann@example.com",
            "created": iso(now() - timedelta(days=31)),
        },
        {
            "type": "form_submission",
            "form": "Contact us",
            "email": "",
            "submittedAt": iso(now() - timedelta(days=1)),
        },
        {
            "type": "email_event",
            "campaign": "Stranger",
            "eventType": "OPEN",
            "recipient": "nobody@example.com",
            "created": iso(now() - timedelta(days=1)),
        },
    )
    salesforce.create("Task", Subject="Call back", WhoId=lead["Id"], Status="Not Started")
    stranger = salesforce.create("Lead", LastName="X", Company="Y", Email="x@example.com")
    salesforce.create("Task", Subject="Not ours", WhoId=stranger, Status="Completed")
    job = run_activities()
    assert_counts_add_up(job)
    assert job.created == 2  # the note as a task, the Salesforce task as an engagement
    assert job.skipped_reasons == {
        "contact_not_synced": 1,
        "not_on_synced_contact": 1,
        "no_contact": 1,
    }
    # the 31-day-old open is outside the window the source is read in: never looked at
    again = run_activities()
    assert_counts_add_up(again)
    # the open, the form and the stranger's open are read again by the late-arrival overlap:
    # nothing new happened to them, so nothing is counted or audited again
    assert again.seen == 0


def test_each_bucket_on_the_job_page_links_to_its_events(admin_web: Client, mixed) -> None:
    job = run_sync(expect="partially_failed")
    page = admin_web.get(reverse("job_detail", args=[job.pk])).content.decode()
    assert f"{job.seen} seen = 2 created + 0 updated + 1 linked" in page
    for outcome in ("created", "linked", "skipped", "failed"):
        url = f"{reverse('audit_log')}?job={job.pk}&amp;outcome={outcome}"
        assert url in page
        listed = admin_web.get(f"{reverse('audit_log')}?job={job.pk}&outcome={outcome}")
        rows = listed.content.decode().count('data-testid="audit-row"')
        assert rows == getattr(job, outcome), outcome
    reason_url = f"{reverse('audit_log')}?job={job.pk}&amp;outcome=skipped&amp;reason=no_email"
    assert reason_url in page and "No email address" in page


def test_a_bad_outcome_filter_is_ignored_with_a_message(admin_web: Client, mixed) -> None:
    run_sync(expect="partially_failed")
    response = admin_web.get(f"{reverse('audit_log')}?outcome=bogus&reason=Robert');DROP")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Outcome:" in text and "Skip reason:" in text and "This filter was ignored" in text


def test_inclusion_list_paused_is_not_counted_as_records(hubspot) -> None:
    list_id = hubspot.create_list("VIPs", jobtitle="VIP")
    inclusion_list_choose(actor=None, list_id=list_id, hubspot=hubspot_client())
    hubspot.delete_list(list_id)
    job = run_sync(expect="failed")
    assert job.status == SyncJob.Status.FAILED
    assert_counts_add_up(job)
    assert ContactSyncSettings.load().paused_reason


def test_reconcile_counts_what_it_compared(mixed) -> None:
    from tests.integrations.engine.reconcile.conftest import run_reconcile

    run_sync(expect="partially_failed")
    job = run_reconcile()
    assert_counts_add_up(job)
    assert job.seen == job.unchanged + job.failed and job.seen > 0
