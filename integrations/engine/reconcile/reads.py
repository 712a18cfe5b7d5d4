"""Reconcile's live reads of both systems, through the job's clients, staged page by page
in ``ReconcileSnapshot`` rows of the run's job.

The same endpoints and page sizes as the sync: HubSpot contacts by id through
CRM search (200 a page, keyset past the 10k cap), Salesforce leads and contacts
through their streams (2,000 a page, or one Bulk API 2.0 query job for a big org:
``salesforce.streams``). Every call goes through the job's clients, so it
waits for the shared rate limits, spends the Salesforce API budget and is
counted on the job. Nothing is compared while reading: a run parked for the API
budget has written nothing yet, and one page at a time is in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db.models import QuerySet

from core.models import SyncJob
from integrations.engine.contacts.run import HUBSPOT_SYSTEM_PROPERTIES, SALESFORCE_TYPES
from integrations.models import PropertyMapping, ReconcileSnapshot
from integrations.rules.inclusion import InclusionGate
from integrations.salesforce.streams import PEOPLE, pages

#: called after each page: report the calls made so far, stop if cancelled
AfterPage = Callable[[], None]
Side = ReconcileSnapshot.Side
#: records compared (and staged rows written) per batch; one batch is in memory at a time
BATCH = 500


def text(value: Any) -> str:
    return "" if value is None else str(value)


def email_of(value: Any) -> str:
    return text(value).strip().lower()


def short_id(salesforce_id: str) -> str:
    """A Salesforce id's 15-character form: its 18-character form names the same record."""
    return salesforce_id[:15]


def snapshot_clear(job_id: int) -> None:
    """The run's rows, and those a run that no longer runs left behind (a killed worker)."""
    live = SyncJob.objects.filter(
        status__in=[SyncJob.Status.RUNNING, SyncJob.Status.WAITING]
    ).exclude(pk=job_id)
    ReconcileSnapshot.objects.exclude(job_id__in=live.values("pk")).delete()


def snapshot_add(rows: Iterable[ReconcileSnapshot]) -> None:
    """Stage rows; a record read twice (pages that overlap) is staged once."""
    ReconcileSnapshot.objects.bulk_create(list(rows), batch_size=BATCH, ignore_conflicts=True)


def snapshot(job_id: int, side: str) -> QuerySet[ReconcileSnapshot]:
    return ReconcileSnapshot.objects.filter(job_id=job_id, side=side)


def batches(rows: QuerySet[Any]) -> Iterator[list[Any]]:
    """``rows`` in primary-key order, ``BATCH`` at a time (keyset: each batch one query)."""
    size, last = BATCH, None
    while True:
        page = rows.filter(pk__gt=last) if last is not None else rows
        batch = list(page.order_by("pk")[:size])
        if not batch:
            return
        yield batch
        last = batch[-1].pk


def hubspot_record(row: ReconcileSnapshot) -> dict[str, Any]:
    """A staged HubSpot contact as the API returned it (``{"id", "properties"}``)."""
    return {"id": row.vendor_id, "properties": row.values}


def salesforce_person(row: ReconcileSnapshot) -> dict[str, Any]:
    """A staged lead/contact as SOQL returned it, with its ``type``."""
    return {**row.values, "type": row.type}


def contact_sides_stage(
    *,
    job_id: int,
    hubspot: Any,
    salesforce: Any,
    mappings: list[PropertyMapping],
    gate: InclusionGate,
    after_page: AfterPage,
) -> dict[str, list[PropertyMapping]]:
    """Stage every HubSpot contact and every live Salesforce lead/contact (converted
    leads are not live). Returns, per Salesforce object type, the mappings whose field
    it has."""
    properties = list(
        dict.fromkeys([*HUBSPOT_SYSTEM_PROPERTIES, *(m.hubspot_property for m in mappings)])
    )
    for page in hubspot.contacts_by_id(properties):
        rows = []
        for record in page:
            hubspot_id = str(record["id"])
            email = email_of(record["properties"].get("email"))
            rows.append(
                ReconcileSnapshot(
                    job_id=job_id,
                    side=Side.HUBSPOT,
                    key=hubspot_id,
                    vendor_id=hubspot_id,
                    email=email,
                    eligible=bool(email) and gate.allows(hubspot_id),
                    values=record["properties"],
                )
            )
        snapshot_add(rows)
        after_page()
    by_type: dict[str, list[PropertyMapping]] = {}
    for object_type in SALESFORCE_TYPES:
        existing = {f["name"] for f in salesforce.describe(object_type)["fields"]}
        typed = [m for m in mappings if m.salesforce_field in existing]
        by_type[object_type] = typed
        fields = [m.salesforce_field for m in typed]
        for page in pages(salesforce, PEOPLE[object_type], fields=fields):
            snapshot_add(
                ReconcileSnapshot(
                    job_id=job_id,
                    side=Side.SALESFORCE,
                    key=short_id(record["Id"]),
                    vendor_id=record["Id"],
                    email=email_of(record.get("Email")),
                    type=object_type,
                    values=record,
                )
                for record in page
                if not record.get("IsConverted")
            )
            after_page()
    return by_type
