"""Reconcile (SPEC §6): compare HubSpot and Salesforce record by record, instead of
trusting syncadmin's own bookkeeping, and list what disagrees in Sync health.

One run:

1. waits while a contact or activity sync is queued or running, so a sync half
   done is not reported as drift;
2. reads both systems live, page by page, into rows of its own
   (``ReconcileSnapshot``, deleted when it ends): contacts (``reads``)
   and activities (``activities``); every API call is made here, so a
   run parked for the API budget has recorded nothing;
3. compares from those rows a batch at a time: duplicates
   (``duplicates``), contacts (``contacts``), activities; each
   batch in one transaction stores its findings (``findings``), writes
   one audit event per record compared (``reconcile.agrees``, outcome *unchanged*;
   ``reconcile.finding``, outcome *failed*, the finding's kind as its category)
   and adds the same counts to the job: ``seen`` = records compared =
   ``unchanged`` + ``failed``;
4. in one transaction: clears the findings not found again and writes the summary.

Memory stays flat with the number of records: one page or batch at a time.

A run with findings ends *Partially failed* (the standard rule: failed > 0).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from itertools import chain

from django.db import transaction
from django.utils import timezone

from core.models import AuditEvent, SyncJob
from core.services.audit import audit_event_build, audit_events_record
from core.services.job_runtime import JobContext, JobMustWait
from integrations.engine.activities.jobs import ACTIVITIES_SCOPE, ACTIVITY_SYNC
from integrations.engine.contacts.jobs import CONTACT_SYNC, CONTACTS_SCOPE
from integrations.engine.reconcile.activities import ActivitiesCompare
from integrations.engine.reconcile.contacts import ContactsCompare
from integrations.engine.reconcile.duplicates import duplicates_compare
from integrations.engine.reconcile.findings import (
    Compared,
    findings_finish,
    findings_text,
    findings_upsert,
)
from integrations.engine.reconcile.reads import contact_sides_stage, snapshot_clear
from integrations.job_clients import JobClients
from integrations.models import ContactSyncSettings, PropertyMapping, ReconcileSnapshot
from integrations.rules.inclusion import inclusion_gate_load

#: how long a run waits in its worker for the syncs ahead of it before it parks itself
SYNC_WAIT_S = 600
#: a parked run tries again this much later
SYNC_WAIT_RETRY = timedelta(minutes=5)
#: a finding event's message holds at most this much of its findings' messages
EVENT_MESSAGE_MAX = 2000

AGREES = "reconcile.agrees"
FINDING = "reconcile.finding"


def last_sync_started(kind: str) -> datetime | None:
    """When the last finished sync of ``kind`` began: what changed after it may not have
    been synced yet."""
    return (
        SyncJob.objects.filter(
            kind=kind,
            status__in=[SyncJob.Status.SUCCEEDED, SyncJob.Status.PARTIALLY_FAILED],
        )
        .order_by("-started_at")
        .values_list("started_at", flat=True)
        .first()
    )


def _syncs_ahead() -> SyncJob | None:
    return (
        SyncJob.objects.filter(
            scope__in=[CONTACTS_SCOPE, ACTIVITIES_SCOPE],
            status__in=[SyncJob.Status.QUEUED, SyncJob.Status.RUNNING],
        )
        .order_by("created_at")
        .first()
    )


def _wait_for_syncs(ctx: JobContext) -> None:
    deadline = time.monotonic() + SYNC_WAIT_S
    while (ahead := _syncs_ahead()) is not None:
        ctx.raise_if_cancelled()
        if time.monotonic() >= deadline:
            raise JobMustWait(
                f"Waiting for job #{ahead.pk} ({ahead.kind}) to finish: a sync half done "
                "would show as drift.",
                resume_at=timezone.now() + SYNC_WAIT_RETRY,
            )
        time.sleep(1)


def reconcile_run(ctx: JobContext) -> None:
    """The job kind's entry point."""
    _wait_for_syncs(ctx)
    snapshot_clear(ctx.job_id)
    try:
        with JobClients(ctx) as clients:
            _reconcile(ctx, clients)
    finally:
        ReconcileSnapshot.objects.filter(job_id=ctx.job_id).delete()


def _reconcile(ctx: JobContext, clients: JobClients) -> None:
    def after_page() -> None:
        clients.report()
        ctx.raise_if_cancelled()

    gate = inclusion_gate_load(hubspot=clients.hubspot, job_id=ctx.job_id)
    mappings = contact_sides_stage(
        job_id=ctx.job_id,
        hubspot=clients.hubspot,
        salesforce=clients.salesforce,
        mappings=list(PropertyMapping.objects.all()),
        gate=gate,
        after_page=after_page,
    )
    activities = ActivitiesCompare(
        job_id=ctx.job_id,
        hubspot=clients.hubspot,
        salesforce=clients.salesforce,
        after_page=after_page,
        last_sync_at=last_sync_started(ACTIVITY_SYNC),
    )
    activities.read()
    ctx.raise_if_cancelled()
    duplicates = duplicates_compare(job_id=ctx.job_id)
    contacts = ContactsCompare(
        job_id=ctx.job_id,
        mappings=mappings,
        duplicates=duplicates,
        settings=ContactSyncSettings.load(),
        last_sync_at=last_sync_started(CONTACT_SYNC),
    )
    compared = agree = 0
    for units in chain(contacts.batches(), activities.batches()):
        if not units:
            continue
        _record(ctx, clients, units)
        compared += len(units)
        agree += sum(1 for unit in units if unit.agrees)
        ctx.raise_if_cancelled()
    _finish(ctx, compared=compared, agree=agree)


def _event(job_id: int, unit: Compared) -> AuditEvent:
    common = {
        "job_id": job_id,
        "object_type": unit.object_type,
        "object_label": unit.label,
        "email": unit.email,
        "hubspot_id": unit.hubspot_id,
        "salesforce_id": unit.salesforce_id,
    }
    if unit.agrees:
        event = audit_event_build(action=AGREES, message="Both sides agree.", **common)
        event.outcome = "unchanged"
        return event
    message = " ".join(dict.fromkeys(f.message for f in unit.findings))
    event = audit_event_build(
        action=FINDING,
        status=AuditEvent.Status.FAILED,
        error_category=unit.findings[0].kind,
        message=message[:EVENT_MESSAGE_MAX],
        **common,
    )
    event.outcome = "failed"
    return event


def _record(ctx: JobContext, clients: JobClients, units: list[Compared]) -> None:
    """A batch's findings, one event per record compared, and their counts: all or nothing."""
    agree = sum(1 for unit in units if unit.agrees)
    with transaction.atomic():
        findings_upsert(found=[f for unit in units for f in unit.findings], job_id=ctx.job_id)
        clients.report(seen=len(units), unchanged=agree, failed=len(units) - agree)
        # last: the audit chain stays locked until the commit (core.audit_chain)
        audit_events_record([_event(ctx.job_id, unit) for unit in units])


def _finish(ctx: JobContext, *, compared: int, agree: int) -> None:
    """Every record is compared: clear what was not found again, and say what was."""
    with transaction.atomic():
        counts = findings_finish(job_id=ctx.job_id)
        summary = (
            f"Compared {compared} records: {agree} agree on both sides, "
            f"{compared - agree} with findings; {findings_text(counts)}."
        )
        SyncJob.objects.filter(pk=ctx.job_id).update(
            params={**ctx.params, "findings": counts, "summary": summary}
        )
        audit_events_record(
            [
                audit_event_build(
                    action="reconcile.summary",
                    object_type="job",
                    job_id=ctx.job_id,
                    status=AuditEvent.Status.FAILED if counts else AuditEvent.Status.OK,
                    message=summary,
                )
            ]
        )
