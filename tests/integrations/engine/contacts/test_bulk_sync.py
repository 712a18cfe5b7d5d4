"""Big contact syncs. Above the Bulk threshold, creates and updates go through Bulk API 2.0
jobs, and each record's outcome (done or refused) reaches the job, Sync health and the
audit trail exactly as with collections; a fanned-out job that must wait resumes whole."""

from __future__ import annotations

import pytest
from django.db import IntegrityError

from core.models import AuditEvent, JobUnit, SyncJob
from core.services.jobs import job_run
from integrations.engine.contacts import creates
from integrations.models import ContactLink, RecordError
from tests.compare import contacts_compare
from tests.integrations.engine.contacts.conftest import person, run_sync
from tests.outcomes import assert_counts_add_up

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def bulk(settings):
    settings.SALESFORCE_BULK_THRESHOLD = 10
    settings.SALESFORCE_BULK_FIRST_POLL_S = 0.05


def writes(sandbox) -> dict[str, int]:
    by_endpoint = sandbox.salesforce.calls()["by_endpoint"]
    return {
        "bulk": sum(n for key, n in by_endpoint.items() if "jobs/ingest" in key),
        "collections": sum(n for key, n in by_endpoint.items() if "composite/sobjects" in key),
    }


def ingest_jobs(sandbox) -> int:
    """How many Bulk API 2.0 ingest jobs Salesforce was asked to create."""
    by_endpoint = sandbox.salesforce.calls()["by_endpoint"]
    return sum(
        n
        for key, n in by_endpoint.items()
        if key.startswith("POST") and key.endswith("jobs/ingest/")
    )


def test_a_big_create_goes_through_one_bulk_job_with_per_record_results(
    bulk, connected, sandbox, hubspot, salesforce
) -> None:
    hubspot.create_contacts(*(person(f"c{i}@example.com") for i in range(30)))
    hubspot.create_contacts(person("bad@example.com", company=""))  # a Lead needs a company
    sandbox.salesforce.control("POST", "calls/reset")
    job = run_sync("all", expect="partially_failed")
    used = writes(sandbox)
    assert used["collections"] == 0 and used["bulk"] > 0
    assert (job.created, job.failed) == (30, 1)
    assert_counts_add_up(job)
    error = RecordError.objects.get(email="bad@example.com")
    assert error.vendor_code == "REQUIRED_FIELD_MISSING"
    assert AuditEvent.objects.filter(action="record.created", job_id=job.pk).count() == 30
    comparison = contacts_compare(hubspot, salesforce)
    assert comparison.duplicated == 0
    assert comparison.unlinked == ["bad@example.com"]


def test_a_big_update_goes_through_bulk_too(bulk, connected, sandbox, hubspot, salesforce) -> None:
    ids = hubspot.create_contacts(*(person(f"u{i}@example.com", phone="1") for i in range(20)))
    run_sync("all")
    for hubspot_id in ids:
        hubspot.update_contact(hubspot_id, phone="2")
    sandbox.salesforce.control("POST", "calls/reset")
    job = run_sync("all")
    used = writes(sandbox)
    assert used["collections"] == 0 and used["bulk"] > 0
    assert job.updated == 20
    leads = dict(ContactLink.objects.values_list("hubspot_id", "salesforce_id"))
    rows = salesforce.query("SELECT Id, Phone FROM Lead")
    assert {r["Phone"] for r in rows if r["Id"] in {leads[h] for h in ids}} == {"2"}
    assert_counts_add_up(job)
    assert SyncJob.objects.filter(status=SyncJob.Status.FAILED).count() == 0


def test_a_fanned_out_job_that_runs_out_of_budget_waits_then_resumes_losing_nothing(
    settings, connected, sandbox, hubspot, salesforce
) -> None:
    """The budget runs out inside a work unit: the job waits (it does not fail), and the
    resumed job plans its units afresh and syncs every contact once."""
    from integrations.models import SalesforceConnection

    settings.SYNC_UNIT_RECORDS = 10
    hubspot.create_contacts(*(person(f"w{i}@example.com") for i in range(45)))
    used = sandbox.salesforce.calls()["total"]
    SalesforceConnection.objects.update(daily_budget=used + 6)
    job = run_sync("all", expect="waiting")
    assert "budget" in job.waiting_reason
    assert JobUnit.objects.filter(job=job, status=JobUnit.Status.FAILED).exists()
    SalesforceConnection.objects.update(daily_budget=10_000)
    resumed = job_run(job_id=job.pk)
    assert resumed is not None and resumed.status == SyncJob.Status.SUCCEEDED, resumed.error
    assert not JobUnit.objects.filter(job=job, status=JobUnit.Status.FAILED).exists()
    comparison = contacts_compare(hubspot, salesforce)
    assert (comparison.lost, comparison.duplicated) == (0, 0)
    assert_counts_add_up(resumed)


def test_a_big_full_read_is_cut_into_few_slices_that_each_create_in_one_bulk_job(
    settings, connected, sandbox, hubspot, salesforce
) -> None:
    """Past ``SYNC_BULK_READ_ABOVE`` contacts, the read is cut into
    ``SYNC_BULK_READ_SLICES`` slices, so each slice's creates fill one Bulk job instead
    of many collections."""
    settings.SYNC_UNIT_RECORDS = 10
    settings.SYNC_BULK_READ_ABOVE = 80
    settings.SYNC_BULK_READ_SLICES = 3
    settings.SALESFORCE_BULK_THRESHOLD = 15
    settings.SALESFORCE_BULK_FIRST_POLL_S = 0.05
    for start in range(0, 90, 30):
        hubspot.create_contacts(*(person(f"s{i}@example.com") for i in range(start, start + 30)))
    sandbox.salesforce.control("POST", "calls/reset")
    job = run_sync("all")
    slices = JobUnit.objects.filter(job=job, handler="contacts.slice")
    assert slices.count() == 3  # 9 slices of 10 without the cap
    assert (ingest_jobs(sandbox), writes(sandbox)["collections"]) == (3, 0)
    assert job.created == 90
    assert_counts_add_up(job)
    comparison = contacts_compare(hubspot, salesforce)
    assert (comparison.lost, comparison.duplicated) == (0, 0)


def test_a_big_slice_books_its_bulk_results_a_units_worth_at_a_time(
    settings, connected, sandbox, hubspot, salesforce, monkeypatch
) -> None:
    """A slice of many units' worth: its creates go in one Bulk job, and the job's results
    are booked a unit's worth per transaction (one transaction held every result in
    memory: 12,500 at 100,000 contacts). A worker that dies while booking keeps what it
    booked; the next run finds the rest by email and creates nothing twice."""
    settings.SYNC_UNIT_RECORDS = 10
    settings.SYNC_BULK_READ_ABOVE = 20
    settings.SYNC_BULK_READ_SLICES = 1
    settings.SALESFORCE_BULK_THRESHOLD = 15
    settings.SALESFORCE_BULK_FIRST_POLL_S = 0.05
    hubspot.create_contacts(*(person(f"b{i}@example.com") for i in range(45)))
    booked: list[int] = []
    book = creates._answered

    def dies_booking_the_third_part(run, answered, object_type) -> None:
        if len(booked) == 2:
            raise IntegrityError("worker killed")
        booked.append(len(answered))
        book(run, answered, object_type)

    monkeypatch.setattr(creates, "_answered", dies_booking_the_third_part)
    sandbox.salesforce.control("POST", "calls/reset")
    crashed = run_sync("all", expect="failed")
    assert (ingest_jobs(sandbox), writes(sandbox)["collections"]) == (1, 0)
    assert booked == [10, 10]
    assert crashed.created == 20 and ContactLink.objects.count() == 20
    assert_counts_add_up(crashed)  # what it booked, it counted and audited
    assert len(salesforce.query("SELECT Id FROM Lead")) == 45  # all were created

    monkeypatch.undo()
    rerun = run_sync("all")
    assert ContactLink.objects.count() == 45
    comparison = contacts_compare(hubspot, salesforce)
    assert (comparison.lost, comparison.duplicated) == (0, 0)
    assert_counts_add_up(rerun)
    leads = {lead["Id"] for lead in salesforce.query("SELECT Id FROM Lead")}
    audited = set(
        AuditEvent.objects.filter(action="record.created").values_list("salesforce_id", flat=True)
    )
    assert leads <= audited | set(
        AuditEvent.objects.filter(action="record.linked").values_list("salesforce_id", flat=True)
    )
