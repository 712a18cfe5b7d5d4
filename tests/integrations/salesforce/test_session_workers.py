"""The session and the describes are shared across worker processes: a run in a worker
started after the first one ended logs in and describes no more (real ``qcluster``s)."""

from __future__ import annotations

import pytest

from core.models import SyncJob
from integrations.engine.contacts.jobs import contacts_sync_start
from integrations.pages.connections.services import connections_use_sandbox
from tests.integrations.salesforce.conftest import calls, reset_calls, soap_logins
from tests.sides import HubSpotSide, SalesforceSide, person
from tests.workers import QCluster, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def run_in(cluster: QCluster, mode: str) -> SyncJob:
    job, _ = contacts_sync_start(mode=mode)
    wait_for(
        lambda: not SyncJob.objects.get(pk=job.pk).is_active, timeout=60, what="the job to end"
    )
    job.refresh_from_db()
    assert job.status == SyncJob.Status.SUCCEEDED, (job.error, cluster.log())
    return job


def test_a_new_worker_process_reuses_the_session_and_describes_of_the_last(
    sandbox, tmp_path
) -> None:
    connections_use_sandbox(info=sandbox.info)
    HubSpotSide(sandbox).create_contacts(person("ann@example.com"))
    first = QCluster(tmp_path, workers=1)
    try:
        run_in(first, "all")
    finally:
        first.stop()
    HubSpotSide(sandbox).create_contacts(person("bob@example.com"))
    reset_calls(sandbox)

    second = QCluster(tmp_path, workers=1)
    try:
        job = run_in(second, "incremental")
    finally:
        second.stop()

    assert soap_logins(sandbox) == 0
    assert calls(sandbox, "GET", "/describe") == 0
    assert job.created == 1 and SalesforceSide(sandbox).people("bob@example.com")
