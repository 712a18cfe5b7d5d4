"""The fault matrix: each fault a vendor produces, through real django-q2 workers against
the sandbox, followed by the runs a schedule would make; then both sides are compared.

Every scenario ends the same way: **0 records lost, 0 duplicated**, and while the fault
still shows, the job page and Sync health say what happened. ``FAULT_MATRIX_REPORT=path``
appends each scenario's figures (lost, duplicated) as JSON lines, so a run on another
version of the engine can be compared with this one.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent, SyncJob
from integrations.engine.activities.jobs import activities_sync_start
from integrations.engine.contacts.jobs import contacts_sync_start
from integrations.models import ActivityLink, ActivityType, ContactLink, RecordError
from integrations.pages.connections.services import connections_use_sandbox
from tests.compare import contacts_compare, salesforce_people
from tests.integrations.engine.activities.conftest import (
    enable,
    iso,
    now,
    seed,
    tasks_of,
    timedelta,
)
from tests.outcomes import all_jobs_mismatches
from tests.sandbox import Sandbox
from tests.sides import HubSpotSide, SalesforceSide, person, run_sync
from tests.workers import QCluster, kill_hard, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

#: how long a create whose answer was lost may still land (workers and this process)
SETTLE_S = 5
WORKER_ENV = {
    "VENDOR_TIMEOUT_S": "1",
    "WRITE_SETTLE_S": str(SETTLE_S),
    "JOB_HEARTBEAT_S": "1",
    "JOB_STALE_AFTER_S": "4",
}
CREATE = "*/composite/sobjects*"
EDITED, NEW = 40, 230


def report(scenario: str, **figures: int) -> None:
    print(f"fault matrix: {scenario}: {figures}")
    path = os.environ.get("FAULT_MATRIX_REPORT")
    if path:
        with open(path, "a") as out:
            out.write(json.dumps({"scenario": scenario, **figures}) + "\n")


@pytest.fixture
def sides(sandbox: Sandbox, settings, monkeypatch) -> tuple[HubSpotSide, SalesforceSide]:
    for name, value in WORKER_ENV.items():
        monkeypatch.setenv(name, value)
        setattr(settings, name, float(value) if name == "VENDOR_TIMEOUT_S" else int(value))
    connections_use_sandbox(info=sandbox.info)
    return HubSpotSide(sandbox), SalesforceSide(sandbox)


@pytest.fixture
def workers(sides, tmp_path):
    cluster = QCluster(tmp_path)
    yield cluster
    cluster.stop()


def on_worker(start: Callable[[], object], timeout: float = 120) -> SyncJob:
    """Ask for a job the way a page or the schedule does; a worker runs it."""
    job, _ = start()
    wait_for(lambda: not SyncJob.objects.get(pk=job.pk).is_active, timeout, f"job #{job.pk}")
    return SyncJob.objects.get(pk=job.pk)


def contacts_job() -> SyncJob:
    return on_worker(lambda: contacts_sync_start(mode="incremental", trigger="schedule"))


def activities_job() -> SyncJob:
    return on_worker(lambda: activities_sync_start(trigger="schedule"))


def creates_sent(sandbox: Sandbox) -> int:
    calls = sandbox.salesforce.calls()["by_endpoint"]
    return sum(n for key, n in calls.items() if key.startswith("POST") and "composite/sob" in key)


def page(client: Client, name: str, *args: object) -> str:
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    return response.content.decode()


# --- contacts ------------------------------------------------------------------------------


def contact_workload(hubspot: HubSpotSide, salesforce: SalesforceSide) -> list[str]:
    """40 synced contacts whose Salesforce leads were then edited (their change must reach
    HubSpot), and 230 new HubSpot contacts (two Salesforce collections, three HubSpot
    batches). Returns the edited contacts' HubSpot ids."""
    edited = hubspot.create_contacts(
        *(person(f"old{i}@example.com", phone="100") for i in range(EDITED))
    )
    assert run_sync("all").created == EDITED
    for start in range(0, NEW, 100):
        hubspot.create_contacts(
            *(person(f"new{i}@example.com") for i in range(start, min(start + 100, NEW)))
        )
    leads = dict(ContactLink.objects.values_list("hubspot_id", "salesforce_id"))
    results = salesforce.sf.update("Lead", [{"Id": leads[h], "Phone": "222"} for h in edited])
    assert all(r.success for r in results)
    return edited


def edits_lost(hubspot: HubSpotSide, edited: list[str]) -> int:
    answer = hubspot.call(
        "POST",
        "/crm/v3/objects/contacts/batch/read",
        {"inputs": [{"id": i} for i in edited], "properties": ["phone"]},
    )
    return sum(1 for r in answer["results"] if r["properties"].get("phone") != "222")


@dataclass
class Fault:
    """One fault: what to inject, and what the first job must say about it (its status,
    and the Sync health category its records are listed under, if any)."""

    inject: Callable[[Sandbox], None]
    first_status: str = SyncJob.Status.SUCCEEDED
    health: str = ""
    #: the fault leaves creates whose outcome is unknown: the reruns span WRITE_SETTLE_S
    in_doubt: bool = False
    env: dict[str, str] = field(default_factory=dict)


def _fault(side: str, **rule: object) -> Callable[[Sandbox], None]:
    return lambda sandbox: getattr(sandbox, side).fault(**rule)


def _expire_then(**rule: object) -> Callable[[Sandbox], None]:
    def inject(sandbox: Sandbox) -> None:
        sandbox.salesforce.control("POST", "sessions/expire")
        if rule:
            sandbox.salesforce.fault(**rule)

    return inject


PARTIAL = SyncJob.Status.PARTIALLY_FAILED
CONTACT_FAULTS = {
    "hubspot-429-burst": Fault(
        _fault(
            "hubspot",
            method="POST",
            path="/crm/v3/objects/contacts/*",
            status=429,
            headers={"Retry-After": "1"},
            count=3,
        )
    ),
    "salesforce-503-on-reads": Fault(
        _fault("salesforce", method="GET", path="*", status=503, count=3)
    ),
    "salesforce-500-on-create": Fault(
        _fault("salesforce", method="POST", path=CREATE, status=500),
        PARTIAL,
        "Unconfirmed writes",
        in_doubt=True,
    ),
    "timeout-before-the-write": Fault(
        _fault("salesforce", method="POST", path=CREATE, latency_ms=2_500),
        PARTIAL,
        "Unconfirmed writes",
        in_doubt=True,
    ),
    "timeout-after-the-write": Fault(
        _fault("salesforce", method="POST", path=CREATE, after_latency_ms=2_000),
        PARTIAL,
        "Unconfirmed writes",
        in_doubt=True,
    ),
    "dropped-before-the-write": Fault(
        _fault("salesforce", method="POST", path=CREATE, drop=True),
        PARTIAL,
        "Unconfirmed writes",
        in_doubt=True,
    ),
    "dropped-after-the-write": Fault(
        _fault("salesforce", method="POST", path=CREATE, after_drop=True),
        PARTIAL,
        "Unconfirmed writes",
        in_doubt=True,
    ),
    "hubspot-refuses-a-batch-read": Fault(
        _fault("hubspot", method="POST", path="/crm/v3/objects/contacts/batch/read", status=400),
        PARTIAL,
        "Validation / picklist",
    ),
    "hubspot-per-record-update-errors": Fault(
        _fault(
            "hubspot",
            method="POST",
            path="/crm/v3/objects/contacts/batch/update",
            record_errors={
                str(i): {"status": "error", "category": "VALIDATION_ERROR", "message": "Locked"}
                for i in (0, 5, 9)
            },
        ),
        PARTIAL,
        "Validation / picklist",
    ),
    "salesforce-session-expired": Fault(_expire_then()),
    "session-expired-and-per-record-errors": Fault(
        _expire_then(
            method="POST",
            path=CREATE,
            record_errors={
                "3": {"statusCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION", "message": "Region?"},
                "7": {"statusCode": "FIELD_CUSTOM_VALIDATION_EXCEPTION", "message": "Region?"},
            },
        ),
        PARTIAL,
        "Validation / picklist",
    ),
}


@pytest.mark.parametrize("name", list(CONTACT_FAULTS))
def test_contact_sync_under_the_fault_loses_and_duplicates_nothing(
    name: str, sandbox: Sandbox, sides, workers, admin_web: Client
) -> None:
    fault = CONTACT_FAULTS[name]
    hubspot, salesforce = sides
    edited = contact_workload(hubspot, salesforce)
    fault.inject(sandbox)

    first = contacts_job()
    job_page = page(admin_web, "job_detail", first.pk)
    health = page(admin_web, "health")
    shown = RecordError.objects.filter(job_id=first.pk).order_by("-last_seen_at").first()
    # the schedule's next runs (spanning the window in which a lost create may land)
    contacts_job()
    if fault.in_doubt:
        time.sleep(SETTLE_S + 0.5)
    last = contacts_job()
    comparison = contacts_compare(hubspot, salesforce)
    lost = comparison.lost + edits_lost(hubspot, edited)
    report(name, lost=lost, duplicated=comparison.duplicated)

    assert (lost, comparison.duplicated) == (0, 0), comparison.unlinked[:10]
    assert all_jobs_mismatches() == []
    assert first.status == fault.first_status, (first.error, workers.log()[-3000:])
    assert first.get_status_display() in job_page
    if fault.health:  # while the fault shows, the job page and Sync health say so
        assert first.failed > 0
        assert f'data-testid="failed">{first.failed}<' in job_page
        assert fault.health in health
        assert shown is not None and shown.email in health
    assert last.status == SyncJob.Status.SUCCEEDED, last.error
    assert not RecordError.objects.exists()


def test_a_worker_killed_mid_batch_loses_and_duplicates_nothing(sandbox, sides, tmp_path):
    """Every record the killed run created is found and linked by the next one, with its
    ``record.created`` event: no write without its audit event."""
    hubspot, salesforce = sides
    edited = contact_workload(hubspot, salesforce)
    sandbox.salesforce.fault(method="POST", path=CREATE, count=2, after_latency_ms=700)
    first_cluster = QCluster(tmp_path)
    job, _ = contacts_sync_start(mode="incremental")
    wait_for(lambda: len(salesforce_people(salesforce)) > EDITED, what="the first create")
    kill_hard(first_cluster.process)  # between Salesforce's create and our bookkeeping
    first_cluster.stop()
    # its heartbeat has stopped, and a create it may have sent can no longer land
    time.sleep(max(int(WORKER_ENV["JOB_STALE_AFTER_S"]), SETTLE_S) + 1)
    second = QCluster(tmp_path)
    try:
        contacts_job()  # asking for a run ends the dead one first
        last = contacts_job()
    finally:
        second.stop()
    job.refresh_from_db()
    assert job.status == SyncJob.Status.FAILED and "stopped" in job.error
    comparison = contacts_compare(hubspot, salesforce)
    lost = comparison.lost + edits_lost(hubspot, edited)
    report("kill-9-mid-batch", lost=lost, duplicated=comparison.duplicated)
    assert (lost, comparison.duplicated) == (0, 0)
    assert all_jobs_mismatches() == []
    assert last.status == SyncJob.Status.SUCCEEDED, last.error
    created = set(
        AuditEvent.objects.filter(action="record.created").values_list("salesforce_id", flat=True)
    )
    assert {p["Id"] for p in salesforce_people(salesforce)} <= created


def test_a_second_request_during_a_long_wait_runs_after_the_first(sandbox, sides, workers):
    """A running job waits (Retry-After, a slow call) longer than a dead one would stay
    silent: it is not declared dead, and a second request waits its turn."""
    hubspot, salesforce = sides
    edited = contact_workload(hubspot, salesforce)
    sandbox.salesforce.fault(
        method="POST", path=CREATE, status=429, headers={"Retry-After": "6"}, count=1
    )
    first, _ = contacts_sync_start(mode="incremental")
    wait_for(lambda: creates_sent(sandbox) > 0, what="the first create to be refused")
    time.sleep(int(WORKER_ENV["JOB_STALE_AFTER_S"]) + 1)  # silent that long, a job is dead
    second = on_worker(lambda: contacts_sync_start(mode="all"))
    first.refresh_from_db()
    comparison = contacts_compare(hubspot, salesforce)
    lost = comparison.lost + edits_lost(hubspot, edited)
    report("second-request-during-a-long-wait", lost=lost, duplicated=comparison.duplicated)
    assert (lost, comparison.duplicated) == (0, 0)
    assert all_jobs_mismatches() == []
    assert first.status == second.status == SyncJob.Status.SUCCEEDED, (first.error, second.error)
    assert second.started_at >= first.finished_at


# --- activities ----------------------------------------------------------------------------

NOTES, SALESFORCE_TASKS = 30, 10


def activity_workload(hubspot: HubSpotSide, salesforce: SalesforceSide) -> tuple[str, list[str]]:
    """A synced contact with 30 HubSpot notes (to Salesforce) and 10 Salesforce tasks (to
    HubSpot), both directions on. Returns the contact's HubSpot id and the notes' ids."""
    [contact] = hubspot.create_contacts(person("ada@example.com"))
    run_sync("all")
    for key in ("note_created", "task_created", "sf_tasks"):
        enable(key)
    ActivityType.objects.update(enabled_at=now() - timedelta(days=1))
    ContactLink.objects.update(first_synced_at=now() - timedelta(days=1))
    link = ContactLink.objects.get()
    notes = seed(
        hubspot,
        *(
            {
                "type": "note",
                "properties": {
                    "hs_timestamp": iso(now() - timedelta(hours=1)),
                    "hs_note_body": f"<p>Note {i}</p>",
                },
                "contactIds": [contact],
            }
            for i in range(NOTES)
        ),
    )
    due = (now() + timedelta(days=1)).date().isoformat()
    results = salesforce.sf.create(
        "Task",
        [
            {
                "Subject": f"Follow up {i}",
                "WhoId": link.salesforce_id,
                "Status": "Not Started",
                "ActivityDate": due,
            }
            for i in range(SALESFORCE_TASKS)
        ],
    )
    assert all(r.success for r in results)
    return contact, [str(n["id"]) for n in notes]


def activities_compare(
    hubspot: HubSpotSide, salesforce: SalesforceSide, contact: str, notes: list[str]
) -> dict:
    """Lost: a note without its Salesforce task, a Salesforce task without its HubSpot
    copy. Duplicated: a second task for one note, a second copy of one task, and any
    Salesforce activity that came back to Salesforce as a new task."""
    link = ContactLink.objects.get(hubspot_id=contact)
    tasks = tasks_of(salesforce, link.salesforce_id)
    per_note = Counter(
        line.removeprefix("syncadmin key: hubspot/notes:")
        for t in tasks
        for line in (t["Description"] or "").splitlines()
        if line.startswith("syncadmin key: hubspot/notes:")
    )
    # the only HubSpot tasks are the copies of Salesforce tasks: one synced back is an echo
    came_back = sum(1 for t in tasks if "syncadmin key: hubspot/tasks:" in (t["Description"] or ""))
    answer = hubspot.call("GET", f"/crm/v4/objects/contacts/{contact}/associations/tasks?limit=500")
    ids = [str(r["toObjectId"]) for r in answer.get("results", [])]
    read = (
        hubspot.call(
            "POST",
            "/crm/v3/objects/tasks/batch/read",
            {"inputs": [{"id": i} for i in ids], "properties": ["hs_task_subject"]},
        )
        if ids
        else {"results": []}
    )
    subjects = Counter(r["properties"]["hs_task_subject"] for r in read["results"])
    copies = Counter({s: n for s, n in subjects.items() if s.startswith("Follow up")})
    # any other HubSpot task is a task syncadmin wrote to Salesforce, echoed back
    echoed = sum(n for s, n in subjects.items() if s not in copies)
    lost = sum(1 for n in notes if per_note[n] == 0) + (SALESFORCE_TASKS - len(copies))
    duplicated = (
        sum(n - 1 for n in per_note.values() if n > 1)
        + sum(n - 1 for n in copies.values())
        + came_back
        + echoed
    )
    return {"lost": lost, "duplicated": duplicated}


ACTIVITY_FAULTS = {
    "task-create-timeout-before-the-write": Fault(
        _fault("salesforce", method="POST", path=CREATE, latency_ms=2_500), PARTIAL, in_doubt=True
    ),
    "task-create-answer-lost": Fault(
        _fault("salesforce", method="POST", path=CREATE, after_drop=True), PARTIAL, in_doubt=True
    ),
    "engagement-create-answer-lost": Fault(
        _fault(
            "hubspot", method="POST", path="/crm/v3/objects/tasks/batch/create", after_drop=True
        ),
        PARTIAL,
        in_doubt=True,
    ),
    "task-create-per-record-errors": Fault(
        _fault(
            "salesforce",
            method="POST",
            path=CREATE,
            record_errors={"2": {"statusCode": "UNABLE_TO_LOCK_ROW", "message": "Row locked"}},
        ),
        PARTIAL,
    ),
}


@pytest.mark.parametrize("name", list(ACTIVITY_FAULTS))
def test_activity_sync_under_the_fault_loses_duplicates_and_echoes_nothing(
    name: str, sandbox: Sandbox, sides, workers
) -> None:
    fault = ACTIVITY_FAULTS[name]
    hubspot, salesforce = sides
    contact, notes = activity_workload(hubspot, salesforce)
    fault.inject(sandbox)

    first = activities_job()
    errors_shown = RecordError.objects.filter(object_type="activity").exists()
    activities_job()
    if fault.in_doubt:
        time.sleep(SETTLE_S + 0.5)
    activities_job()
    last = activities_job()
    figures = activities_compare(hubspot, salesforce, contact, notes)
    report(name, **figures)

    assert figures == {"lost": 0, "duplicated": 0}
    assert all_jobs_mismatches() == []
    assert first.status == fault.first_status, (first.error, workers.log()[-3000:])
    assert errors_shown
    assert last.status == SyncJob.Status.SUCCEEDED, last.error
    assert ActivityLink.objects.filter(source="hubspot").count() == NOTES
    assert not RecordError.objects.exists()
