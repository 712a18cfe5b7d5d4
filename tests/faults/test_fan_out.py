"""A big contact sync fanned out in work units across real qcluster processes.

Each test runs one job on several ``qcluster`` processes (one worker each, as on
separate hosts) with small units, then compares both sides: nothing lost, nothing
written twice, and the job's counts equal its audit events.
"""

from __future__ import annotations

import time

import pytest

from core.models import AuditEvent, JobUnit, SyncJob
from core.services.jobs import job_cancel
from integrations.engine.contacts.jobs import contacts_sync_start
from integrations.engine.contacts.units import (
    MIRROR_HANDLER,
    PAGED_HANDLER,
    SLICE_HANDLER,
    TAPERED_SLICES,
)
from integrations.pages.connections.services import connections_use_sandbox
from tests.compare import contacts_compare, salesforce_people
from tests.outcomes import all_jobs_mismatches, assert_counts_add_up, records_counted_twice
from tests.sandbox import Sandbox
from tests.sides import HubSpotSide, SalesforceSide, person
from tests.workers import QCluster, descendants, kill_hard, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

UNIT = 40
WORKER_ENV = {
    "SYNC_UNIT_RECORDS": str(UNIT),
    "WRITE_SETTLE_S": "3",
    "JOB_HEARTBEAT_S": "0.5",
    "JOB_STALE_AFTER_S": "3",
}
CREATE = "*/composite/sobjects*"


@pytest.fixture
def sides(sandbox: Sandbox, settings, monkeypatch) -> tuple[HubSpotSide, SalesforceSide]:
    for name, value in WORKER_ENV.items():
        monkeypatch.setenv(name, value)
        setattr(settings, name, float(value) if "." in value else int(value))
    connections_use_sandbox(info=sandbox.info)
    return HubSpotSide(sandbox), SalesforceSide(sandbox)


STARTED: list[QCluster] = []


@pytest.fixture
def clusters(sides, tmp_path):
    def start(count: int = 1, *, purge: bool = True) -> list[QCluster]:
        new = [QCluster(tmp_path, workers=1, purge=purge) for _ in range(count)]
        STARTED.extend(new)
        return new

    yield start
    while STARTED:
        STARTED.pop().stop()


def workload(hubspot: HubSpotSide, salesforce: SalesforceSide, *, new: int, existing: int) -> None:
    """``existing`` contacts whose email a Salesforce lead already has, ``new`` without,
    mixed in HubSpot's id order so that each unit links some and creates others."""
    if existing:
        leads = [
            {"LastName": f"Old {i}", "Company": "Acme", "Email": f"old{i}@example.com"}
            for i in range(existing)
        ]
        assert all(r.success for r in salesforce.sf.create("Lead", leads))
    emails = [f"new{i}@example.com" for i in range(new)]
    for i in range(existing):  # spread among the new ones
        emails.insert(i * (new + existing) // existing, f"old{i}@example.com")
    for start in range(0, len(emails), 100):
        hubspot.create_contacts(*(person(e) for e in emails[start : start + 100]))


def finished(job: SyncJob, timeout: float = 180) -> SyncJob:
    try:
        wait_for(lambda: not SyncJob.objects.get(pk=job.pk).is_active, timeout, f"job #{job.pk}")
    except AssertionError:
        print(_state_of(job))  # shown with the failure: where the job stood, what workers said
        raise
    return SyncJob.objects.get(pk=job.pk)


def _state_of(job: SyncJob) -> str:
    job = SyncJob.objects.get(pk=job.pk)
    lines = [f"job #{job.pk}: {job.status} cancel_requested={job.cancel_requested} {job.error}"]
    for unit in JobUnit.objects.filter(job=job).order_by("seq"):
        lines.append(f"  unit {unit.seq} {unit.handler} {unit.status} {unit.worker} {unit.error}")
    for cluster in STARTED:
        lines.append(f"--- {cluster.log_file.name} (last 60 lines)")
        lines.extend(cluster.log().splitlines()[-60:])
    return "\n".join(lines)


def assert_both_sides_match(hubspot: HubSpotSide, salesforce: SalesforceSide) -> None:
    comparison = contacts_compare(hubspot, salesforce)
    assert (comparison.lost, comparison.duplicated) == (0, 0), comparison.unlinked[:10]
    assert all_jobs_mismatches() == []
    created = set(
        AuditEvent.objects.filter(action="record.created").values_list("salesforce_id", flat=True)
    )
    # every Salesforce record syncadmin made has its record.created event
    assert {p["Id"] for p in salesforce_people(salesforce)} - created == {
        p["Id"] for p in salesforce_people(salesforce) if p["Email"].startswith("old")
    }


def test_one_job_runs_on_two_qclusters_and_writes_nothing_twice(sandbox, sides, clusters):
    hubspot, salesforce = sides
    workload(hubspot, salesforce, new=200, existing=80)
    # slow enough that a unit takes a while: both clusters are busy at once
    sandbox.salesforce.fault(method="POST", path=CREATE, latency_ms=400, count=1000)
    clusters(2)
    job, _ = contacts_sync_start(mode="all")
    job = finished(job)

    assert job.status == SyncJob.Status.SUCCEEDED, job.error
    units = JobUnit.objects.filter(job=job)
    # the lowest ids paged through HubSpot's listing, the rest in id slices of ~40 (70%
    # of 280 contacts; the last two in halves), and the leads and contacts pulled side
    # by side
    assert units.filter(handler=PAGED_HANDLER).count() == 1
    assert units.filter(handler=SLICE_HANDLER).count() == -(-196 // UNIT) + TAPERED_SLICES
    assert units.filter(handler=MIRROR_HANDLER).count() == 2
    assert set(units.values_list("status", flat=True)) == {JobUnit.Status.DONE}
    assert set(units.values_list("attempts", flat=True)) == {1}  # each ran once
    workers = set(units.values_list("worker", flat=True))
    assert len(workers) == 2, workers  # both clusters took units
    assert (job.created, job.linked, job.failed) == (200, 80, 0)
    assert_counts_add_up(job)
    assert records_counted_twice(job) == []
    assert_both_sides_match(hubspot, salesforce)
    # one Salesforce record per HubSpot contact: 80 leads were there, 200 were created
    assert len(salesforce_people(salesforce)) == 280


def test_a_unit_whose_worker_dies_is_run_by_another_without_duplicates(sandbox, sides, clusters):
    """Killed while Salesforce applies a unit's creates and before their answer: the unit
    goes back to the queue, the job's own worker runs it again, finds what was created
    by email (never creating it twice), and the job counts each record once."""
    hubspot, salesforce = sides
    workload(hubspot, salesforce, new=160, existing=40)
    clusters(1)
    # every create is applied, then its answer is held 2.5 s: a window to die in
    sandbox.salesforce.fault(method="POST", path=CREATE, after_latency_ms=2500, count=1000)
    job, _ = contacts_sync_start(mode="all")
    wait_for(
        lambda: SyncJob.objects.get(pk=job.pk).status == SyncJob.Status.RUNNING,
        what="the job to start on the first cluster",
    )
    (doomed,) = clusters(1, purge=False)  # it takes the units the job has queued
    wait_for(
        lambda: _running_on(job, set(descendants(doomed.process.pid))) is not None,
        timeout=60,
        what="a unit running on the second cluster",
    )
    unit = _running_on(job, set(descendants(doomed.process.pid)))
    time.sleep(1.0)  # its create has been sent and applied; the answer is on its way
    kill_hard(doomed.process)
    first = finished(job)
    unit.refresh_from_db()
    assert unit.attempts == 2 and unit.status == JobUnit.Status.DONE
    assert_counts_add_up(first)
    assert records_counted_twice(first) == []  # the rerun counted what the first committed
    # whatever the first attempt left unconfirmed is settled by the next run
    time.sleep(int(WORKER_ENV["WRITE_SETTLE_S"]) + 1)
    last = finished(contacts_sync_start(mode="incremental")[0])
    assert last.status == SyncJob.Status.SUCCEEDED, last.error
    assert_both_sides_match(hubspot, salesforce)
    assert len(salesforce_people(salesforce)) == 200
    created = AuditEvent.objects.filter(action="record.created", outcome="created")
    assert created.count() == 160  # each record's creation counted once, in some job
    assert first.created + last.created == 160


def test_cancel_stops_the_units_not_yet_started(sandbox, sides, clusters):
    """Cancel drops the queued units; the job ends only after the running one has
    committed what it wrote, so nothing is written for the job after it ended."""
    hubspot, salesforce = sides
    workload(hubspot, salesforce, new=280, existing=0)
    # each create is applied, then answered 1.5 s later: a unit is mid-write when cancelled
    sandbox.salesforce.fault(method="POST", path=CREATE, after_latency_ms=1500, count=1000)
    clusters(2)
    job, _ = contacts_sync_start(mode="all")
    units = JobUnit.objects.filter(job=job)
    wait_for(
        lambda: (
            units.filter(status=JobUnit.Status.DONE).exists()
            and units.filter(status=JobUnit.Status.RUNNING).exists()
        ),
        what="a unit done and another running",
    )
    time.sleep(0.5)  # its create is on its way
    job_cancel(job=SyncJob.objects.get(pk=job.pk), actor=None)
    job = finished(job)
    assert job.status == SyncJob.Status.CANCELLED
    units = JobUnit.objects.filter(job=job)
    assert not units.filter(status__in=(JobUnit.Status.QUEUED, JobUnit.Status.RUNNING)).exists()
    assert units.filter(status=JobUnit.Status.DROPPED).exists()
    assert job.created < 280  # the dropped units' contacts were not created
    assert len(salesforce_people(salesforce)) == job.created
    assert_counts_add_up(job)
    # nothing was written for the job after it ended
    ended = AuditEvent.objects.filter(job_id=job.pk, action="job.finished").get()
    assert not AuditEvent.objects.filter(job_id=job.pk, pk__gt=ended.pk).exists()
    last = finished(contacts_sync_start(mode="all")[0])
    assert last.status == SyncJob.Status.SUCCEEDED, last.error
    assert_both_sides_match(hubspot, salesforce)


def _running_on(job: SyncJob, pids: set[int]) -> JobUnit | None:
    for unit in JobUnit.objects.filter(job=job, status=JobUnit.Status.RUNNING):
        if int(unit.worker.rsplit(":", 1)[1]) in pids:
            return unit
    return None
