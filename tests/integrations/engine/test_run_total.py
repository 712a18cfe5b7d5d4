"""A real run says how many records it will look at (issue #15): the job page's bar reads
"N of TOTAL records" while it runs, never more than 100 %, and ends at "N of N" with N
what it really looked at (its audit events with an outcome).

The bar's figures are what the job's row holds each time the run reports; ``watched``
notes them after every report and every change of the total."""

from __future__ import annotations

import pytest

from core.models import AuditEvent, SyncJob
from core.selectors.jobs import job_progress_bar
from core.services.job_runtime import JobContext
from core.services.jobs import job_run
from integrations.models import RecordError
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

Seen = list[tuple[str, int, int | None]]


@pytest.fixture
def watched(monkeypatch) -> Seen:
    """(what, seen, total) of the running job after each report and each change of its
    total (``what``: the ``JobContext`` method that just ran)."""
    figures: Seen = []

    def after(method):
        def wrapped(self, *args, **kwargs):
            method(self, *args, **kwargs)
            job = SyncJob.objects.get(pk=self.job_id)
            figures.append((method.__name__, job.seen, job.total))

        return wrapped

    for name in ("progress", "set_total", "expect_more", "total_is_seen"):
        monkeypatch.setattr(JobContext, name, after(getattr(JobContext, name)))
    return figures


def totals(figures: Seen) -> list[int]:
    """The totals the page showed while the run was still at work, in order, each once
    (not the last word a finished run says, ``total_is_seen``)."""
    shown: list[int] = []
    for what, _, total in figures:
        if what == "total_is_seen":
            break
        if total is not None and (not shown or shown[-1] != total):
            shown.append(total)
    return shown


def looked_at(job: SyncJob) -> int:
    return AuditEvent.objects.filter(job_id=job.pk).exclude(outcome="").count()


def assert_ends_true(job: SyncJob, figures: Seen) -> None:
    assert_counts_add_up(job)
    assert job.total == job.seen == looked_at(job)
    bar = job_progress_bar(job)
    assert bar.text == f"{job.seen:,} of {job.seen:,} records (100 %)" or job.seen == 0
    # once the run said a total, the bar never went past it
    for _, seen, total in figures:
        assert total is None or seen <= total, figures


@pytest.fixture
def seeded(hubspot, salesforce):
    """Five HubSpot contacts (one without email, one matching a lead) and a Salesforce lead
    no HubSpot contact has."""
    ids = hubspot.create_contacts(*(person(f"c{i}@example.com") for i in range(3)))
    ids += hubspot.create_contacts(person("match@example.com"))
    hubspot.create_contacts({"firstname": "No", "lastname": "Email"})
    salesforce.create("Lead", LastName="Match", Company="Acme", Email="match@example.com")
    salesforce.create("Lead", LastName="Only", Company="Acme", Email="only-sf@example.com")
    return ids


def test_a_first_sync_says_hubspots_count_then_adds_salesforces_own_records(
    seeded, watched
) -> None:
    job = run_sync()
    # first HubSpot's five contacts (from the first page of the read), then the lead
    # only Salesforce has, once the Salesforce pass knows it is still to be looked at
    assert totals(watched) == [5, 6]
    assert_ends_true(job, watched)
    assert job.total == 6


def test_an_incremental_sync_counts_what_changed_since(seeded, hubspot, salesforce, watched):
    run_sync()
    watched.clear()
    hubspot.update_contact(seeded[0], jobtitle="Boss")
    hubspot.update_contact(seeded[1], jobtitle="Chief")
    [lead] = salesforce.people("c2@example.com")
    salesforce.update("Lead", lead["Id"], Phone="+358 9")
    job = run_sync()
    # the two contacts HubSpot changed, then the lead Salesforce changed
    assert totals(watched) == [2, 3]
    assert_ends_true(job, watched)
    assert job.updated == 3


def test_a_sync_with_nothing_changed_ends_at_none_of_none(seeded, watched) -> None:
    run_sync()
    watched.clear()
    job = run_sync()
    assert totals(watched) == [0]  # HubSpot's first page: nothing changed since
    assert job.total == job.seen == 0
    assert job_progress_bar(job).text == "0 of 0 records"


def test_sync_this_contact_says_one(seeded, watched) -> None:
    run_sync()
    watched.clear()
    job = run_sync("one", contact="c1@example.com")
    assert totals(watched) == [1]
    assert_ends_true(job, watched)
    assert job.total == 1


def test_a_retry_says_how_many_records_it_retries(seeded, hubspot, salesforce, watched) -> None:
    hubspot.create_contacts(person("refused1@example.com", company=""))
    hubspot.create_contacts(person("refused2@example.com", company=""))
    run_sync(expect="partially_failed")
    assert RecordError.objects.filter(object_type="contact").count() == 2
    watched.clear()
    [(_, start)] = health_retry(actor=None).starts
    job = job_run(job_id=start.job.pk)
    assert job is not None and job.status == "partially_failed"
    assert totals(watched) == [2]
    assert_ends_true(job, watched)
    assert job.failed == 2


def test_a_fanned_out_sync_has_the_parents_total(settings, hubspot, watched) -> None:
    """Work units add to the job's counts; the total is the run's, and they leave it."""
    settings.SYNC_UNIT_RECORDS = 10
    hubspot.create_contacts(*(person(f"u{i}@example.com") for i in range(35)))
    job = run_sync("all")
    assert totals(watched) == [35]
    assert_ends_true(job, watched)
    assert job.created == 35


def test_an_activity_sync_ends_at_what_it_looked_at(hubspot, salesforce, watched) -> None:
    hubspot.create_contacts(person("ann@example.com"))
    run_sync()
    [lead] = salesforce.people("ann@example.com")
    ann_id = hubspot.contact_by_email("ann@example.com")["id"]
    enable("note_created")
    enable("sf_tasks")
    later = now() + timedelta(seconds=1)
    seed(
        hubspot,
        {"type": "note", "properties": {"hs_timestamp": iso(later)}, "contactIds": [ann_id]},
        {"type": "note", "properties": {"hs_timestamp": iso(later)}, "contactIds": []},
    )
    salesforce.create("Task", Subject="Call back", WhoId=lead["Id"], Status="Not Started")
    watched.clear()
    job = run_activities()
    assert_ends_true(job, watched)
    assert job.total == 3


def test_a_reconcile_ends_at_what_it_compared(seeded, salesforce, watched) -> None:
    from tests.integrations.engine.reconcile.conftest import run_reconcile

    run_sync()
    [lead] = salesforce.people("c0@example.com")
    salesforce.update("Lead", lead["Id"], Phone="+358 5")  # a difference to find
    watched.clear()
    job = run_reconcile()
    assert job.seen >= 5 and job.failed >= 1
    assert_ends_true(job, watched)
