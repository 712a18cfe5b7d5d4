"""Contact sync as jobs: the kind, starting one, and its schedule."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.models import AbstractBaseUser
from django.urls import reverse
from django_q.models import Schedule

from core.job_kinds import JobPurpose, register_job_kind
from core.models import SyncJob
from core.services.jobs import JobStart, job_start
from core.services.schedules import schedule_every
from integrations.engine.contacts.options import Mode
from integrations.engine.contacts.sync import contacts_sync_run
from integrations.models import ContactSyncSettings
from integrations.pages.contact_page.ref import NotAContact, contact_ref_parse

CONTACT_SYNC = "contacts.sync"
#: every contact job shares one scope: two runs over the same records never overlap,
#: so a crash or a double click can never create a Salesforce record twice
CONTACTS_SCOPE = "contacts"
SCHEDULE_NAME = "contact-sync"

MODE_LABELS = {
    Mode.INCREMENTAL: "changed contacts",
    Mode.ALL: "all eligible contacts",
    Mode.LIST: "the inclusion list",
    Mode.ONE: "one contact",
    Mode.IMPORT: "import from Salesforce",
    Mode.RETRY: "failed records (retry)",
}


#: at most this many of a retry's records are named (with links) on its page
PURPOSE_RECORDS_SHOWN = 10
#: modes that run over the inclusion list's members: the page names the list they used
LIST_MODES = (Mode.INCREMENTAL, Mode.ALL, Mode.LIST, Mode.IMPORT)


def _record_history_url(key: str) -> str:
    side, _, record_id = key.partition(":")
    id_field = {"hs": "hubspot_id", "sf": "salesforce_id"}.get(side, "hubspot_id")
    query = urlencode({"object_type": "contact", id_field: record_id})
    return f"{reverse('audit_history')}?{query}"


def _list_words(params: dict[str, Any]) -> str:
    if "list_name" not in params:  # started before runs recorded their list
        return ""
    if not params["list_name"]:
        return " (no inclusion list: every contact is eligible)"
    return f" in the inclusion list “{params['list_name']}”"


def contact_job_purpose(params: dict[str, Any]) -> JobPurpose:
    """The job page's words for what a contact sync is for: which list, which contact,
    which records."""
    mode = params.get("mode", Mode.INCREMENTAL)
    if mode == Mode.RETRY:
        records = list(params.get("records", []))
        count = len(records)
        shown = records[:PURPOSE_RECORDS_SHOWN]
        more = f" and {count - len(shown)} more" if count > len(shown) else ""
        return JobPurpose(
            f"Retry of {count} failed record{'s' if count != 1 else ''}"
            f"{': ' if shown else ''}{', '.join(shown)}{more}.",
            tuple((f"History of {key}", _record_history_url(key)) for key in shown),
        )
    if mode == Mode.IMPORT:
        return JobPurpose(
            "Import from Salesforce: Salesforce leads and contacts HubSpot does not have "
            "are created there with their email only, then the contacts"
            f"{_list_words(params) or ' of the inclusion list'} get their other mapped "
            "fields."
        )
    contact = params.get("contact", "")
    if mode != Mode.ONE or not contact:
        return JobPurpose(f"Contact sync of {MODE_LABELS.get(mode, mode)}{_list_words(params)}.")
    links = [
        ("Does it sync, and why not?", f"{reverse('contacts_explain')}?{urlencode({'q': contact})}")
    ]
    try:
        ref = contact_ref_parse(contact)
    except NotAContact:  # asked for before requests were checked
        pass
    else:
        query = urlencode({"object_type": "contact", ref.kind: ref.value})
        links.append(("Its history in the audit trail", f"{reverse('audit_history')}?{query}"))
    return JobPurpose(f"Contact sync of one contact: {contact}", tuple(links))


register_job_kind(
    CONTACT_SYNC, label="Contact sync", run=contacts_sync_run, purpose=contact_job_purpose
)


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
    if mode in LIST_MODES:
        # the list as it was asked for: the job page names it even after it changed
        params["list_name"] = ContactSyncSettings.load().inclusion_list_name
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
        name=SCHEDULE_NAME,
        func="integrations.engine.contacts.jobs.scheduled_contact_sync",
        minutes=minutes,
    )
