"""Activity sync as jobs: the kind, starting one, and its schedule."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.urls import reverse
from django_q.models import Schedule

from core.job_kinds import JobPurpose, register_job_kind
from core.models import SyncJob
from core.services.jobs import JobStart, job_start
from core.services.schedules import schedule_every
from integrations.engine.activities.units import activities_sync_run

ACTIVITY_SYNC = "activities.sync"
ACTIVITIES_SCOPE = "activities"
SCHEDULE_NAME = "activity-sync"


def activity_job_purpose(params: dict[str, Any]) -> JobPurpose:
    """What an activity sync is for. The types are the ones on when it runs (it reads them
    then, so a type turned on meanwhile is covered): the page links to them."""
    return JobPurpose(
        "Activity sync: both directions, every activity type that is on when it runs, "
        "each inside its window.",
        (("Activity types", reverse("activities")),),
    )


register_job_kind(
    ACTIVITY_SYNC, label="Activity sync", run=activities_sync_run, purpose=activity_job_purpose
)


def activities_sync_start(
    *,
    mode: str = "all",
    trigger: str = SyncJob.Trigger.MANUAL,
    requested_by: AbstractBaseUser | None = None,
) -> JobStart:
    """Start an activity sync (both directions, every enabled type), or join the active one."""
    return job_start(
        kind=ACTIVITY_SYNC,
        scope=ACTIVITIES_SCOPE,
        trigger=trigger,
        requested_by=requested_by,
        params={"mode": mode},
    )


def scheduled_activity_sync() -> int:
    job, _ = activities_sync_start(trigger=SyncJob.Trigger.SCHEDULE)
    return job.pk


def activity_schedule_ensure(*, minutes: int) -> Schedule:
    return schedule_every(
        name=SCHEDULE_NAME,
        func="integrations.engine.activities.jobs.scheduled_activity_sync",
        minutes=minutes,
    )
