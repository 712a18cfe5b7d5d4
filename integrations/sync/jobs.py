"""Contact sync as jobs: the kind, starting one, and its schedule."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django_q.models import Schedule

from core.job_kinds import register_job_kind
from core.models import SyncJob
from core.services.jobs import JobStart, job_start
from core.services.schedules import schedule_every
from integrations.sync.contacts import Mode, contacts_sync_run

CONTACT_SYNC = "contacts.sync"
#: every contact job shares one scope: two runs over the same records never overlap,
#: so a crash or a double click can never create a Salesforce record twice
CONTACTS_SCOPE = "contacts"
SCHEDULE_NAME = "contact-sync"

register_job_kind(CONTACT_SYNC, label="Contact sync", run=contacts_sync_run)

MODE_LABELS = {
    Mode.INCREMENTAL: "changed contacts",
    Mode.ALL: "all eligible contacts",
    Mode.LIST: "the inclusion list",
    Mode.ONE: "one contact",
    Mode.IMPORT: "import from Salesforce",
    Mode.RETRY: "failed records (retry)",
}


def contacts_sync_start(
    *,
    mode: str,
    trigger: str = SyncJob.Trigger.MANUAL,
    requested_by: AbstractBaseUser | None = None,
    contact: str = "",
    records: list[str] | None = None,
) -> JobStart:
    if mode not in MODE_LABELS:
        raise ValueError(f"Unknown contact sync mode {mode!r}.")
    params: dict[str, object] = {"mode": mode}
    if contact:
        params["contact"] = contact
    if records:
        params["records"] = records
    return job_start(
        kind=CONTACT_SYNC,
        scope=CONTACTS_SCOPE,
        trigger=trigger,
        requested_by=requested_by,
        params=params,
    )


def scheduled_contact_sync() -> int:
    """django-q2 schedule entry point: an incremental run (joins one already active)."""
    job, _ = contacts_sync_start(mode=Mode.INCREMENTAL, trigger=SyncJob.Trigger.SCHEDULE)
    return job.pk


def contact_schedule_ensure(*, minutes: int) -> Schedule:
    return schedule_every(
        name=SCHEDULE_NAME, func="integrations.sync.jobs.scheduled_contact_sync", minutes=minutes
    )
