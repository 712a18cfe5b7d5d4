"""A job declared dead never writes again: its clients check before every write that
the job is still theirs, and the runner stops quietly (``JobAbandoned``)."""

import pytest

from core.job_kinds import register_job_kind
from core.models import AuditEvent, SyncJob
from core.services.job_runtime import JobContext
from core.services.jobs import job_reap_stale, job_run, job_start
from integrations.job_clients import JobClients
from tests.sides import HubSpotSide, SalesforceSide, person, soql_records

pytestmark = pytest.mark.django_db


def _declared_dead(ctx: JobContext) -> None:
    """What the watch does to a job whose heartbeat stopped."""
    from datetime import timedelta

    from django.utils import timezone

    SyncJob.objects.filter(pk=ctx.job_id).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    job_reap_stale(scope=ctx.scope)


def write_after_being_declared_dead(ctx: JobContext) -> None:
    with JobClients(ctx) as clients:
        if ctx.params["side"] == "salesforce":
            soql_records(clients.salesforce, "SELECT Id FROM Lead")  # logged in, reads
            _declared_dead(ctx)
            soql_records(clients.salesforce, "SELECT Id FROM Lead")  # reads still go
            clients.salesforce.create("Lead", [{"Email": "late@example.com", "LastName": "Late"}])
        else:
            clients.hubspot.contacts_batch_read(["1"], ["email"])
            _declared_dead(ctx)
            clients.hubspot.contacts_batch_create([{"properties": person("late@example.com")}])
        raise AssertionError("the write went through")


register_job_kind("test.write_late", label="Test late writer", run=write_after_being_declared_dead)


def _writes(sandbox, side: str) -> int:
    calls = getattr(sandbox, side).calls()["by_endpoint"]
    return sum(
        n
        for key, n in calls.items()
        if not key.startswith("GET ")
        and not key.endswith(("/query/", "/batch/read", "/search"))
        and "Soap" not in key
    )


@pytest.mark.parametrize("side", ["salesforce", "hubspot"])
def test_a_reaped_jobs_next_write_is_never_sent(connected, side: str) -> None:
    job, _ = job_start(kind="test.write_late", scope="test:late", params={"side": side})
    ended = job_run(job_id=job.pk)
    assert ended.status == SyncJob.Status.FAILED and "stopped responding" in ended.error
    assert _writes(connected, side) == 0, getattr(connected, side).calls()
    actions = list(AuditEvent.objects.filter(job_id=job.pk).values_list("action", flat=True))
    assert "job.abandoned" in actions and "job.finished" not in actions
    assert ended.salesforce_calls + ended.hubspot_calls > 0  # its reads were still counted
    if side == "salesforce":
        assert not SalesforceSide(connected).people("late@example.com")
    else:
        assert HubSpotSide(connected).contact_by_email("late@example.com") is None
