"""Reconcile tests: the shared sandbox sides, and a Reconcile run the way a worker runs it."""

from __future__ import annotations

from core.models import AuditEvent, SyncJob
from core.services.jobs import job_run
from integrations.engine.reconcile.jobs import reconcile_start
from integrations.models import ReconcileFinding
from tests.sides import (  # noqa: F401  (re-exported for the tests' imports)
    HubSpotSide,
    SalesforceSide,
    connected,
    hubspot,
    person,
    run_sync,
    salesforce,
)


def run_reconcile() -> SyncJob:
    job, _ = reconcile_start()
    result = job_run(job_id=job.pk)
    assert result is not None
    return result


def open_findings() -> set[tuple[str, str, str]]:
    """``(kind, record_key, field)`` of every open finding."""
    return set(ReconcileFinding.objects.values_list("kind", "record_key", "field"))


def assert_counts_add_up(job: SyncJob) -> None:
    """seen = unchanged + failed, and each equals its audit events."""
    events = AuditEvent.objects.filter(job_id=job.pk)
    assert job.seen == job.unchanged + job.failed
    assert job.created == job.updated == job.linked == job.skipped == 0
    assert events.filter(outcome="unchanged", action="reconcile.agrees").count() == job.unchanged
    assert events.filter(outcome="failed", action="reconcile.finding").count() == job.failed
    assert events.exclude(outcome="").count() == job.seen


def salesforce_delete(side: SalesforceSide, object_type: str, record_id: str) -> None:
    """Delete a record in Salesforce, as someone in the org would."""
    side.sf._call(lambda sf: getattr(sf, object_type).delete(record_id))


def fix_and_verify(**chosen) -> list[SyncJob]:
    """Press Fix (``reconcile_fix``) and run what it started, in order, as workers would:
    the resync jobs, then the Reconcile that re-checks."""
    from integrations.engine.reconcile.fix import reconcile_fix

    fix = reconcile_fix(actor=None, **chosen)
    ran = []
    for _, start in fix.starts:
        result = job_run(job_id=start.job.pk)
        assert result is not None
        ran.append(result)
    return ran
