"""End to end on a real qcluster worker: Reconcile from the button finds a planted drift and a
deleted record, Fix resyncs them, and the Reconcile that Fix queues behind the resync
finds nothing left."""

import pytest
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent, SyncJob
from integrations.engine.contacts.jobs import contacts_sync_start
from integrations.models import ContactLink, ReconcileFinding
from tests.integrations.engine.reconcile.conftest import (
    assert_counts_add_up,
    open_findings,
    person,
    salesforce_delete,
)
from tests.workers import QCluster, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker(tmp_path):
    cluster = QCluster(tmp_path)
    yield cluster
    cluster.stop()


def _finished(job_id: int) -> SyncJob:
    wait_for(
        lambda: not SyncJob.objects.get(pk=job_id).is_active, timeout=90, what=f"job #{job_id}"
    )
    return SyncJob.objects.get(pk=job_id)


def test_reconcile_and_fix_on_a_real_worker(worker, admin_web: Client, hubspot, salesforce):
    ann, bob = hubspot.create_contacts(person("ann@example.com"), person("bob@example.com"))
    job, _ = contacts_sync_start(mode="all")
    assert _finished(job.pk).status == SyncJob.Status.SUCCEEDED, worker.log()
    salesforce_delete(salesforce, "Lead", ContactLink.objects.get(hubspot_id=ann).salesforce_id)
    hubspot.update_contact(bob, phone="+1 555 0100")

    admin_web.post(reverse("reconcile_now"))
    reconcile = _finished(SyncJob.objects.get(kind="reconcile").pk)

    assert reconcile.status == SyncJob.Status.PARTIALLY_FAILED, worker.log()
    assert open_findings() == {
        ("orphaned_link", f"link:{ann}", ""),
        ("field_drift", f"hs:{bob}", "phone"),
    }
    assert (reconcile.seen, reconcile.failed) == (2, 2)
    assert reconcile.hubspot_calls > 0 and reconcile.salesforce_calls > 0
    assert_counts_add_up(reconcile)

    for finding in ReconcileFinding.objects.all():
        admin_web.post(reverse("reconcile_fix"), {"finding": finding.pk})
    check = SyncJob.objects.filter(kind="reconcile").first()
    assert check.pk != reconcile.pk
    check = _finished(check.pk)

    assert check.status == SyncJob.Status.SUCCEEDED, worker.log()
    assert open_findings() == set()
    assert {p["Phone"] for p in salesforce.people("bob@example.com")} == {"+1 555 0100"}
    assert len(salesforce.people("ann@example.com")) == 1
    resyncs = SyncJob.objects.filter(kind="contacts.sync", trigger=SyncJob.Trigger.RETRY)
    assert resyncs.exists() and all(j.status == SyncJob.Status.SUCCEEDED for j in resyncs)
    # the check compared only once every resync it was queued behind had finished
    compared_at = AuditEvent.objects.get(job_id=check.pk, action="reconcile.summary").occurred_at
    assert all(j.finished_at <= compared_at for j in resyncs)
