"""A worker killed with SIGKILL in the middle of a contact sync: the next run finishes
the job and no Salesforce record is ever created twice."""

import time
from collections import Counter

import pytest

from core.models import AuditEvent, SyncJob
from core.services.jobs import JobStartOutcome
from integrations.engine.contacts.jobs import contacts_sync_start
from integrations.pages.connections.services import connections_use_sandbox
from tests.sides import HubSpotSide, SalesforceSide, person
from tests.workers import QCluster, kill_hard

pytestmark = pytest.mark.django_db(transaction=True)
CONTACTS = 600


def wait_for(predicate, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_a_killed_worker_and_a_rerun_leave_no_duplicates(
    sandbox, tmp_path, settings, monkeypatch
) -> None:
    settings.JOB_STALE_AFTER_S = 2
    settings.WRITE_SETTLE_S = 3
    monkeypatch.setenv("JOB_STALE_AFTER_S", "2")
    monkeypatch.setenv("JOB_HEARTBEAT_S", "0.5")
    monkeypatch.setenv("WRITE_SETTLE_S", "3")
    connections_use_sandbox(info=sandbox.info)
    hubspot, salesforce = HubSpotSide(sandbox), SalesforceSide(sandbox)
    for start in range(0, CONTACTS, 100):
        hubspot.create_contacts(*(person(f"k{i}@example.com") for i in range(start, start + 100)))
    # slow Salesforce writes down, so the kill lands in the middle of the run
    sandbox.salesforce.fault(method="POST", path="*/composite/sobjects*", count=3, latency_ms=700)

    first = QCluster(tmp_path)
    job, _ = contacts_sync_start(mode="all")
    wait_for(lambda: SyncJob.objects.get(pk=job.pk).created > 0)
    kill_hard(first.process)
    first.stop()
    job.refresh_from_db()
    assert job.status == SyncJob.Status.RUNNING and 0 < job.created < CONTACTS

    # the dead worker's job goes stale, and a create it may have sent can no longer land
    time.sleep(3.5)
    second = QCluster(tmp_path)
    try:
        rerun, outcome = contacts_sync_start(mode="all")
        assert outcome == JobStartOutcome.STARTED and rerun.pk != job.pk
        wait_for(lambda: not SyncJob.objects.get(pk=rerun.pk).is_active, timeout=120)
    finally:
        second.stop()
    job.refresh_from_db()
    rerun.refresh_from_db()
    assert job.status == SyncJob.Status.FAILED and "stopped responding" in job.error
    assert rerun.status == SyncJob.Status.SUCCEEDED, rerun.error
    leads = salesforce.query("SELECT Id, Email FROM Lead")
    emails = Counter((lead["Email"] or "").lower() for lead in leads)
    assert len(emails) == CONTACTS
    assert max(emails.values()) == 1
    # every lead either run created has its audit event, the killed run's included
    audited = set(
        AuditEvent.objects.filter(action="record.created").values_list("salesforce_id", flat=True)
    )
    assert {lead["Id"] for lead in leads} == audited
