"""Reconcile as a job: the kind, starting one, its schedule (daily by default)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.urls import reverse
from django_q.models import Schedule

from core.job_kinds import JobPurpose, register_job_kind
from core.models import SyncJob
from core.services.audit import audit_settings_change
from core.services.job_runtime import JobContext
from core.services.jobs import JobStart, job_start
from core.services.schedules import schedule_every
from integrations.engine.reconcile.findings import findings_text
from integrations.engine.reconcile.run import reconcile_run
from integrations.models import ReconcileSettings

RECONCILE = "reconcile"
#: its own scope: two Reconciles never run at once, and a sync never waits for one
RECONCILE_SCOPE = "reconcile"
SCHEDULE_NAME = "reconcile"


class ScheduleRefused(ValueError):
    """A schedule value that cannot be saved; nothing was changed."""


def reconcile_purpose(params: dict[str, Any]) -> JobPurpose:
    if "findings" in params:
        return JobPurpose(
            f"Reconcile of HubSpot and Salesforce: {findings_text(params['findings'])}.",
            (("Findings in Sync health", f"{reverse('health')}#reconcile"),),
        )
    return JobPurpose("Reconcile: compares HubSpot and Salesforce record by record.")


def reconcile_job_run(ctx: JobContext) -> None:
    """A Reconcile, then its total: what it compared. The records to compare are known
    only once both sides are read, so the page shows "seen of ?" until it ends."""
    reconcile_run(ctx)
    ctx.total_is_seen()


register_job_kind(RECONCILE, label="Reconcile", run=reconcile_job_run, purpose=reconcile_purpose)


def reconcile_start(
    *, trigger: str = SyncJob.Trigger.MANUAL, requested_by: AbstractBaseUser | None = None
) -> JobStart:
    """Start a Reconcile, or join the one already queued."""
    return job_start(
        kind=RECONCILE, scope=RECONCILE_SCOPE, trigger=trigger, requested_by=requested_by
    )


def scheduled_reconcile() -> int:
    """django-q2 schedule entry point."""
    job, _ = reconcile_start(trigger=SyncJob.Trigger.SCHEDULE)
    return job.pk


def reconcile_schedule_ensure(*, every_hours: int | None = None) -> Schedule:
    hours = every_hours or ReconcileSettings.load().every_hours
    return schedule_every(
        name=SCHEDULE_NAME,
        func="integrations.engine.reconcile.jobs.scheduled_reconcile",
        minutes=hours * 60,
    )


@transaction.atomic
def reconcile_schedule_update(
    *, actor: AbstractBaseUser | None, every_hours: str
) -> ReconcileSettings:
    """How often the scheduled Reconcile runs, in hours; audited."""
    low, high = ReconcileSettings.MIN_EVERY_HOURS, ReconcileSettings.MAX_EVERY_HOURS
    value = str(every_hours).strip()
    if not value.isdecimal() or not low <= int(value) <= high:
        raise ScheduleRefused(
            f"Reconcile runs every {low} to {high} hours (a whole number); "
            f"“{value[:20]}” is not. Nothing was changed."
        )
    settings = ReconcileSettings.objects.select_for_update().get(pk=ReconcileSettings.load().pk)
    before = {"every_hours": settings.every_hours}
    settings.every_hours = int(value)
    settings.save()
    reconcile_schedule_ensure(every_hours=settings.every_hours)
    audit_settings_change(
        actor=actor,
        object_type="settings",
        object_label="Reconcile schedule",
        before=before,
        after={"every_hours": settings.every_hours},
    )
    return settings
