"""HubSpot activity types shared out as work units (``activities.type``), one per
enabled type, through the real job path against the sandbox: every activity synced
once (both sides compared), the job's counts equal to its audit events, and a type
whose read fails leaving the others synced and owed nothing twice."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from core.models import AuditEvent, JobUnit, SyncJob
from core.services.job_runtime import JobContext
from integrations.engine.activities.jobs import ACTIVITIES_SCOPE, ACTIVITY_SYNC
from integrations.engine.activities.sync import ActivitySync
from integrations.engine.activities.units import TYPE_HANDLER, activity_type_unit
from integrations.models import ActivityLink, ActivityType, ContactLink, WaitingActivity
from tests.factories import SyncJobFactory
from tests.integrations.engine.activities.conftest import (
    enable,
    iso,
    now,
    run_activities,
    seed,
    tasks_of,
    timedelta,
)
from tests.outcomes import assert_counts_add_up

pytestmark = pytest.mark.django_db

#: type -> (sandbox item type, its label property, the task subject's prefix)
TYPES = {
    "note_created": ("note", "hs_note_body", "Note: "),
    "call_logged": ("call", "hs_call_title", "Call: "),
    "meeting_booked": ("meeting", "hs_meeting_title", "Meeting booked: "),
}
PER_CONTACT = 3


def enabled_a_day_ago(*keys: str) -> None:
    """Types turned on (and contacts first synced) a day ago: activities of the last hours
    are inside every window."""
    for key in keys:
        enable(key)
    ActivityType.objects.filter(key__in=keys).update(enabled_at=now() - timedelta(days=1))
    ContactLink.objects.update(first_synced_at=now() - timedelta(days=1))


def seed_every_type(hubspot, synced) -> dict[str, list[str]]:
    """``PER_CONTACT`` activities of each type on each contact; returns the subjects
    each contact's Salesforce record must end up with."""
    items: list[dict[str, Any]] = []
    expected: dict[str, list[str]] = {}
    for email, link in synced.items():
        name = email.split("@")[0]
        for key, (item_type, label, prefix) in TYPES.items():
            for n in range(PER_CONTACT):
                title = f"{key} {name} {n}"
                items.append(
                    {
                        "type": item_type,
                        "properties": {
                            "hs_timestamp": iso(now() - timedelta(hours=1, minutes=n)),
                            label: title,
                        },
                        "contactIds": [link.hubspot_id],
                    }
                )
                expected.setdefault(link.salesforce_id, []).append(prefix + title)
    seed(hubspot, *items)
    return expected


def subjects_by_contact(salesforce, synced) -> dict[str, list[str]]:
    return {
        link.salesforce_id: sorted(t["Subject"] for t in tasks_of(salesforce, link.salesforce_id))
        for link in synced.values()
    }


def type_units(job: SyncJob) -> dict[str, str]:
    """The job's type units: type -> status."""
    units = JobUnit.objects.filter(job_id=job.pk, handler=TYPE_HANDLER)
    return {(unit.result or {}).get("type", f"unit {unit.seq}"): unit.status for unit in units}


def assert_each_activity_counted_once(job: SyncJob) -> None:
    """Activities' events name their contact, not the activity: a task id with two
    outcomes in one job is an activity counted twice."""
    assert_counts_add_up(job)
    counted = Counter(
        AuditEvent.objects.filter(job_id=job.pk, object_type="activity")
        .exclude(outcome="")
        .exclude(salesforce_id="")
        .values_list("salesforce_id", flat=True)
    )
    assert [task for task, n in counted.items() if n > 1] == []


def test_each_enabled_type_is_a_unit_and_every_activity_syncs_once(
    hubspot, salesforce, synced
) -> None:
    enabled_a_day_ago(*TYPES)
    expected = seed_every_type(hubspot, synced)

    job = run_activities()

    assert type_units(job) == dict.fromkeys(TYPES, JobUnit.Status.DONE)
    assert subjects_by_contact(salesforce, synced) == {
        who: sorted(subjects) for who, subjects in expected.items()
    }
    total = len(TYPES) * PER_CONTACT * len(synced)
    links = ActivityLink.objects.filter(source="hubspot")
    assert links.count() == total and links.filter(salesforce_id="").count() == 0
    assert (job.created, job.failed, job.seen) == (total, 0, total)
    assert_each_activity_counted_once(job)

    again = run_activities()
    assert (again.created, again.updated, again.failed) == (0, 0, 0)
    assert subjects_by_contact(salesforce, synced) == {
        who: sorted(subjects) for who, subjects in expected.items()
    }


def test_a_type_whose_read_fails_fails_the_job_and_the_others_sync_once(
    sandbox, hubspot, salesforce, synced
) -> None:
    enabled_a_day_ago(*TYPES)
    expected = seed_every_type(hubspot, synced)
    sandbox.hubspot.fault(method="POST", path="/crm/v3/objects/calls/search", status=400)

    failed = run_activities(expect=SyncJob.Status.FAILED)

    assert "Call logged" in failed.error
    assert type_units(failed) == {
        "note_created": JobUnit.Status.DONE,
        "meeting_booked": JobUnit.Status.DONE,
        f"unit {_seq_of_failed(failed)}": JobUnit.Status.FAILED,
    }
    others = {
        who: sorted(s for s in subjects if not s.startswith("Call: "))
        for who, subjects in expected.items()
    }
    assert subjects_by_contact(salesforce, synced) == others
    per_type = PER_CONTACT * len(synced)
    assert (failed.created, failed.failed) == (2 * per_type, 0)
    assert_each_activity_counted_once(failed)

    rest = run_activities()

    assert subjects_by_contact(salesforce, synced) == {
        who: sorted(subjects) for who, subjects in expected.items()
    }
    assert (rest.created, rest.failed) == (per_type, 0)
    assert_each_activity_counted_once(rest)
    assert ActivityLink.objects.filter(source="hubspot").count() == 3 * per_type


def _seq_of_failed(job: SyncJob) -> int:
    return JobUnit.objects.get(job_id=job.pk, status=JobUnit.Status.FAILED).seq


def test_a_unit_run_again_after_its_worker_died_never_creates_a_task_twice(
    hubspot, salesforce, synced, monkeypatch
) -> None:
    """Its first run sent the tasks and died before storing their ids: the second leaves
    them owed (found by their marker by the next run), never sent again nor dropped."""
    enabled_a_day_ago("note_created")
    ann = synced["ann@example.com"]
    seed_every_type(hubspot, {"ann@example.com": ann})
    job = SyncJobFactory(kind=ACTIVITY_SYNC, scope=ACTIVITIES_SCOPE, status=SyncJob.Status.RUNNING)
    ctx = JobContext(job)
    monkeypatch.setattr(
        ActivitySync, "_created", lambda *a, **k: (_ for _ in ()).throw(OSError("killed"))
    )
    with pytest.raises(OSError):
        activity_type_unit(ctx, {"type": "note_created"})
    monkeypatch.undo()

    activity_type_unit(ctx, {"type": "note_created"})

    assert len(tasks_of(salesforce, ann.salesforce_id)) == PER_CONTACT
    assert WaitingActivity.objects.count() == PER_CONTACT  # still owed
    SyncJob.objects.filter(pk=job.pk).update(status=SyncJob.Status.SUCCEEDED)
    found = run_activities()
    assert (found.created, found.failed) == (PER_CONTACT, 0)
    assert len(tasks_of(salesforce, ann.salesforce_id)) == PER_CONTACT
    assert ActivityLink.objects.filter(salesforce_id="").count() == 0
