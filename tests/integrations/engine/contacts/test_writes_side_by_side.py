"""A worker sends a unit's Salesforce collections side by side, and still books each
one as it was answered: one whose answer is lost (applied, then the connection
dropped) is looked up later, never sent again, while the other one is linked at once."""

from __future__ import annotations

import time

import pytest

from core.models import SyncJob
from integrations.engine.contacts.jobs import contacts_sync_start
from integrations.models import RecordError
from integrations.pages.connections.services import connections_use_sandbox
from tests.compare import contacts_compare, salesforce_people
from tests.outcomes import all_jobs_mismatches, assert_counts_add_up
from tests.sides import HubSpotSide, SalesforceSide, person
from tests.workers import QCluster, wait_for

pytestmark = pytest.mark.django_db(transaction=True)
CREATE = "*/composite/sobjects*"


def _finished(job: SyncJob) -> SyncJob:
    wait_for(lambda: not SyncJob.objects.get(pk=job.pk).is_active, 120, f"job #{job.pk}")
    return SyncJob.objects.get(pk=job.pk)


@pytest.fixture
def sides(sandbox, settings, monkeypatch):
    monkeypatch.setenv("WRITE_SETTLE_S", "2")
    settings.WRITE_SETTLE_S = 2
    connections_use_sandbox(info=sandbox.info)
    hubspot, salesforce = HubSpotSide(sandbox), SalesforceSide(sandbox)
    for start in range(0, 400, 100):
        hubspot.create_contacts(*(person(f"w{i}@example.com") for i in range(start, start + 100)))
    return hubspot, salesforce


def test_two_collections_go_out_at_once_and_each_is_booked(sandbox, sides, tmp_path) -> None:
    hubspot, salesforce = sides
    sandbox.salesforce.fault(method="POST", path=CREATE, latency_ms=1000, count=10)
    cluster = QCluster(tmp_path, workers=1)
    try:
        job = _finished(contacts_sync_start(mode="all")[0])
    finally:
        cluster.stop()
    assert job.status == SyncJob.Status.SUCCEEDED, job.error
    assert job.created == 400
    assert sandbox.salesforce.calls()["limits"]["max_concurrent"] >= 2
    assert_counts_add_up(job)
    comparison = contacts_compare(hubspot, salesforce)
    assert (comparison.lost, comparison.duplicated) == (0, 0)


def test_a_lost_answer_beside_an_answered_write_is_settled_without_a_duplicate(
    sandbox, sides, tmp_path
) -> None:
    hubspot, salesforce = sides
    # the first collection is applied, then its connection drops; the second is answered
    sandbox.salesforce.fault(method="POST", path=CREATE, after_drop=True, count=1)
    cluster = QCluster(tmp_path, workers=1)
    try:
        first = _finished(contacts_sync_start(mode="all")[0])
        assert first.status == SyncJob.Status.PARTIALLY_FAILED, first.error
        assert first.created == 200 and first.failed == 200
        assert RecordError.objects.filter(category="unconfirmed").count() == 200
        assert len(salesforce_people(salesforce)) == 400  # both were applied
        time.sleep(2.5)  # past WRITE_SETTLE_S: the lost ones are looked up by email
        second = _finished(contacts_sync_start(mode="incremental")[0])
    finally:
        cluster.stop()
    assert second.status == SyncJob.Status.SUCCEEDED, second.error
    assert second.created == 200  # found by email and linked, not created again
    assert not RecordError.objects.exists()
    comparison = contacts_compare(hubspot, salesforce)
    assert (comparison.lost, comparison.duplicated) == (0, 0)
    assert len(salesforce_people(salesforce)) == 400
    assert all_jobs_mismatches() == []
