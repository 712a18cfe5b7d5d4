"""An activity sync run, its HubSpot activity types shared out as work units.

The run first settles what earlier runs sent without an answer (``recover_pending``).
Then, with more than one HubSpot -> Salesforce type enabled, each type is a unit
(``activities.type``) any worker takes: it reads that type from its cursor and writes
its activities exactly as the run would have (collections of 200, each page's cursor
moved only once its activities are written), so the slow sources (forms, marketing
email events) no longer hold up the others. The job's own worker works on units too
and waits for the last; then the activities that waited for their contact and the
Salesforce -> HubSpot pass run here, as before. A single type is read here, no unit.

Each activity counts once in the job: a type's activities belong to its unit alone;
a unit run a second time (its first worker died) leaves out what its first run sent
without an answer (the write-ahead link, see ``ActivitySync._intend``) and what failed
in this job; and the waiting activities this run takes on afterwards are only those
owed before the units began.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Max

from core.services.job_runtime import JobContext, JobMustWait
from core.services.job_units import job_unit_handler_register, job_units_finish, job_units_plan
from integrations.engine.activities.sync import ActivitySync, skipped_activities_prune
from integrations.engine.run import engine_run
from integrations.http import errors
from integrations.models import WaitingActivity
from integrations.rules.activity_types import TIMELINE_BY_KEY

TYPE_HANDLER = "activities.type"


class ActivityTypeFailed(Exception):
    """A type's unit could not read or write its activities (the message names the type)."""


def activities_sync_run(ctx: JobContext) -> None:
    """The job kind's entry point: both directions for every enabled type."""
    with engine_run(ActivitySync, ctx) as run:
        skipped_activities_prune()
        run.recover_pending()
        owed_up_to = sync_timeline(run)
        run.sync_waiting(owed_up_to=owed_up_to)
        run.sync_salesforce_activities()
    # its sources are read one after another, each learning its count only as it is
    # read: the total is known once all are, and is what the run looked at
    ctx.total_is_seen()


def sync_timeline(run: ActivitySync) -> int | None:
    """Every enabled HubSpot -> Salesforce type's new activities: a single type read
    here, several as one unit each (this worker works on them too and waits for the
    last). Returns the last ``WaitingActivity`` id owed before the units began (None
    without units): see ``ActivitySync.sync_waiting``."""
    rows = run.timeline_rows()
    if len(rows) <= 1:
        for row in rows.values():
            run.sync_type(row)
        return None
    owed_up_to = WaitingActivity.objects.aggregate(last=Max("pk"))["last"] or 0
    run.flush()  # what the recovery settled commits before a unit may count the same
    job_units_plan(run.ctx, handler=TYPE_HANDLER, payloads=[{"type": key} for key in rows])
    job_units_finish(run.ctx)
    run.absorb_job_failures()
    return owed_up_to


def activity_type_unit(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    """The unit handler: read one type and write its activities; returns the type (the
    payloads are forgotten once the job's units end). A type turned off since the run
    planned it is left alone."""
    with engine_run(ActivitySync, ctx) as run:
        row = run.timeline_rows().get(payload["type"])
        if row is None:
            return {"type": payload["type"], "off": True}
        run.absorb_job_failures()
        try:
            run.sync_type(row)
        except JobMustWait:
            raise  # out of budget: the job waits, as it would without units
        except errors.ApiError as exc:
            label = TIMELINE_BY_KEY[row.key].label
            raise ActivityTypeFailed(f"{label}: {exc}") from exc
    return {"type": row.key}


job_unit_handler_register(TYPE_HANDLER, activity_type_unit)
