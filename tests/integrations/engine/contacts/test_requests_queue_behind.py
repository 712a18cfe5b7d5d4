"""A contact sync requested while another runs, and not covered by it, is queued behind it
and runs after it: no record is dropped because a click "joined" a narrower run."""

import threading

import pytest
from django.db import connection

from core.models import SyncJob
from core.services.jobs import JobStartOutcome, job_run
from integrations.engine.contacts.jobs import contacts_sync_start
from integrations.pages.connections.services import connections_use_sandbox
from tests.sides import HubSpotSide, SalesforceSide, person
from tests.workers import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def handed_over(monkeypatch) -> list[int]:
    """The jobs handed to django-q (run here by hand, as the worker would)."""
    enqueued: list[int] = []
    monkeypatch.setattr(
        "core.services.job_queue.async_task", lambda _func, job_id, **_: enqueued.append(job_id)
    )
    return enqueued


def _while_running(job: SyncJob, request):
    """Make ``request`` while ``job`` runs in a worker thread; its answer once the job ended."""
    worker = threading.Thread(target=lambda: (job_run(job_id=job.pk), connection.close()))
    worker.start()
    wait_for(lambda: SyncJob.objects.get(pk=job.pk).status == SyncJob.Status.RUNNING)
    answer = request()
    worker.join(60)
    job.refresh_from_db()
    assert job.status == SyncJob.Status.SUCCEEDED, job.error
    return answer


@pytest.fixture
def sides(sandbox):
    connections_use_sandbox(info=sandbox.info)
    # the one-contact read answers slowly, so the second request lands while it runs
    sandbox.hubspot.fault(method="POST", path="*/contacts/batch/read", latency_ms=1500)
    return HubSpotSide(sandbox), SalesforceSide(sandbox)


def test_sync_all_during_a_one_contact_sync_syncs_everyone_after_it(sides, handed_over) -> None:
    hubspot, salesforce = sides
    hubspot.create_contacts(person("one@example.com"))
    hubspot.create_contacts(*(person(f"new{i}@example.com") for i in range(20)))
    one, _ = contacts_sync_start(mode="one", contact="one@example.com")

    everyone, outcome = _while_running(one, lambda: contacts_sync_start(mode="all"))

    assert outcome == JobStartOutcome.QUEUED and everyone.pk != one.pk
    assert handed_over[-1] == everyone.pk  # handed over when the one-contact sync ended
    everyone = job_run(job_id=everyone.pk)
    assert everyone.status == SyncJob.Status.SUCCEEDED, everyone.error
    assert all(salesforce.people(f"new{i}@example.com") for i in range(20))


def test_one_contact_during_another_contacts_sync_syncs_after_it(sides, handed_over) -> None:
    hubspot, salesforce = sides
    hubspot.create_contacts(person("a@example.com"), person("b@example.com"))
    first, _ = contacts_sync_start(mode="one", contact="a@example.com")

    second, outcome = _while_running(
        first, lambda: contacts_sync_start(mode="one", contact="b@example.com")
    )

    assert outcome == JobStartOutcome.QUEUED and second.pk != first.pk
    assert salesforce.people("a@example.com") and not salesforce.people("b@example.com")
    assert handed_over[-1] == second.pk
    assert job_run(job_id=second.pk).status == SyncJob.Status.SUCCEEDED
    assert salesforce.people("b@example.com")
