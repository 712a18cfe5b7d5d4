"""A Salesforce create slower than ``JOB_STALE_AFTER_S``: the job is alive all along
(its heartbeat goes on while it waits), so a second *Sync now* never starts a second
job over the same contacts and no lead is created twice."""

import time
from collections import Counter

import pytest

from core.models import SyncJob
from integrations.engine.contacts.jobs import contacts_sync_start
from integrations.pages.connections.services import connections_use_sandbox
from tests.sides import HubSpotSide, SalesforceSide, person
from tests.workers import QCluster, wait_for

pytestmark = pytest.mark.django_db(transaction=True)
CONTACTS = 5
STALE_AFTER_S = 3
CREATE_LATENCY_S = 6


def _creates_sent(sandbox) -> int:
    calls = sandbox.salesforce.calls()["by_endpoint"]
    return sum(
        n for key, n in calls.items() if key.startswith("POST ") and "composite/sobjects" in key
    )


def test_a_second_sync_now_during_a_slow_create_makes_no_second_job(
    sandbox, tmp_path, settings, monkeypatch
) -> None:
    settings.JOB_STALE_AFTER_S = STALE_AFTER_S
    monkeypatch.setenv("JOB_STALE_AFTER_S", str(STALE_AFTER_S))
    monkeypatch.setenv("JOB_HEARTBEAT_S", "1")
    connections_use_sandbox(info=sandbox.info)
    HubSpotSide(sandbox).create_contacts(*(person(f"slow{i}@example.com") for i in range(CONTACTS)))
    sandbox.salesforce.fault(
        method="POST", path="*/composite/sobjects*", latency_ms=CREATE_LATENCY_S * 1000
    )
    cluster = QCluster(tmp_path)
    try:
        first, _ = contacts_sync_start(mode="all")
        wait_for(lambda: _creates_sent(sandbox) > 0, what="the slow create to be sent")
        # the create is still on its way when the job would count as dead by its progress
        time.sleep(STALE_AFTER_S + 0.5)
        second, _ = contacts_sync_start(mode="all")
        wait_for(
            lambda: not SyncJob.objects.filter(status__in=SyncJob.ACTIVE_STATUSES).exists(),
            timeout=60,
            what="every job to end",
        )
    finally:
        cluster.stop()
    first.refresh_from_db()
    assert second.pk == first.pk
    assert first.status == SyncJob.Status.SUCCEEDED, (first.error, cluster.log())
    assert SyncJob.objects.filter(trigger=SyncJob.Trigger.MANUAL).count() == 1
    emails = Counter(
        (lead["Email"] or "").lower()
        for lead in SalesforceSide(sandbox).query("SELECT Email FROM Lead")
    )
    assert len(emails) == CONTACTS and max(emails.values()) == 1, emails
