"""Creating a HubSpot contact's record in Salesforce, never twice.

Every create is **written ahead** (``ContactCreateIntent``, committed before it is sent)
and the intent is deleted in the transaction that links what was created. An outcome
that is unknown (a timeout, a lost answer, a killed worker) is never repeated blind: the
intent stays, and ``settle_unconfirmed_creates`` looks the record up by email. Found: it
is linked (it was created). Not found after ``WRITE_SETTLE_S``: it never was, and the
contact is synced again. Not found yet: the contact stays owed, with an open error
saying the write may have been applied.

A worker sends a few collections side by side (``SALESFORCE_WRITES_AT_ONCE``) and books
each one as it was answered; above the client's Bulk threshold the records go through
one Bulk API 2.0 job instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings as django_settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from core.services.audit import new_record_changes
from integrations.chunks import chunks
from integrations.engine.contacts.links import NewLink, contact_link_create, contact_links_create
from integrations.engine.contacts.mirror import salesforce_by_email
from integrations.engine.contacts.run import (
    SALESFORCE_BATCH,
    SALESFORCE_TYPES,
    ContactRun,
    email_of,
    failure,
)
from integrations.engine.outcomes import CREATED
from integrations.engine.record_errors import record_errors_resolve, unconfirmed
from integrations.http import errors
from integrations.http.side_by_side import side_by_side
from integrations.models.contacts import (
    ContactCreateIntent,
    ContactLink,
    PropertyMapping,
    SalesforcePerson,
)
from integrations.rules.mapping_rules import TO_SALESFORCE
from integrations.salesforce.bulk import UNPROCESSED
from integrations.vendor_time import vendor_time


def write_batch(run: ContactRun, count: int) -> int:
    """How many records one Salesforce write takes: all of them above the client's Bulk
    threshold (one Bulk API 2.0 job), else a collection's 200."""
    return count if count > run.salesforce.bulk_threshold else SALESFORCE_BATCH


def create_in_salesforce(run: ContactRun, records: list[dict[str, Any]]) -> None:
    """Create the contacts' records in Salesforce: each write is written ahead, a few
    collections are sent side by side, and each is booked as it was answered."""
    object_type = run.settings.create_new_as
    at_once = django_settings.SALESFORCE_WRITES_AT_ONCE
    batches = [
        (chunk, [_payload(run, record, object_type) for record in chunk])
        for chunk in chunks(records, write_batch(run, len(records)))
    ]
    for group in chunks(batches, at_once):
        intents = [_intend(run, chunk, object_type) for chunk, _ in group]
        outcomes = side_by_side(
            [partial(run.salesforce.create, object_type, payloads) for _, payloads in group],
            at_most=at_once,
        )
        stop: Exception | None = None
        for (chunk, payloads), intent, outcome in zip(group, intents, outcomes, strict=True):
            if isinstance(outcome, Exception) and not isinstance(outcome, errors.ServerError):
                intent.delete()  # nothing was sent
                stop = stop or outcome
                continue
            run.wrote_salesforce(object_type, len(chunk))
            _book(run, chunk, payloads, outcome, intent, object_type)
        if stop is not None:
            raise stop


def _payload(run: ContactRun, record: dict[str, Any], object_type: str) -> dict[str, Any]:
    """The Salesforce record to create for a HubSpot contact: its email and the mapped
    values HubSpot may write."""
    props = record["properties"]
    by_field = {m.salesforce_field: m for m in run.mappings}
    payload = {"Email": (props.get("email") or "").strip()}
    for sf_field in run.salesforce_fields(object_type):
        mapping = by_field.get(sf_field)
        if mapping is None or mapping.rule == PropertyMapping.Rule.DONT_SYNC:
            continue
        if mapping.rule == PropertyMapping.Rule.ALWAYS_SALESFORCE:
            continue  # Salesforce owns it: never written from HubSpot
        value = props.get(mapping.hubspot_property)
        if value not in (None, ""):
            payload[sf_field] = value
    return payload


def _intend(
    run: ContactRun, chunk: Sequence[dict[str, Any]], object_type: str
) -> QuerySet[ContactCreateIntent]:
    """Write-ahead: committed before the create is sent (see ``ContactCreateIntent``);
    returns the chunk's intents."""
    intents = ContactCreateIntent.objects.filter(hubspot_id__in=[r["id"] for r in chunk])
    with transaction.atomic():
        intents.delete()
        ContactCreateIntent.objects.bulk_create(
            [
                ContactCreateIntent(
                    hubspot_id=r["id"],
                    email=email_of(r),
                    salesforce_type=object_type,
                    job_id=run.ctx.job_id,
                )
                for r in chunk
            ]
        )
    return intents


def _book(
    run: ContactRun,
    chunk: Sequence[dict[str, Any]],
    payloads: list[dict[str, Any]],
    outcome: Any,
    intents: QuerySet[ContactCreateIntent],
    object_type: str,
) -> None:
    """Book one create call: its results, or a lost answer (``ServerError``), a unit's
    worth of records (``SYNC_UNIT_RECORDS``) per transaction: a Bulk job's 12,500 results
    booked at once held them all in memory, and SQLite's write lock for seconds."""
    at_once = django_settings.SYNC_UNIT_RECORDS
    if isinstance(outcome, errors.ServerError):
        # sent, but no answer: it may have been applied; looked up next run
        for part in chunks(chunk, at_once):
            with run.bookkeeping():
                for record in part:
                    _unconfirmed(
                        run,
                        record,
                        f"{outcome.message} — the {object_type.lower()} may have been created",
                    )
        return
    for part in chunks(zip(chunk, payloads, outcome, strict=True), at_once):
        unprocessed = {
            record["id"]
            for record, _, result in part
            if any(e.status_code == UNPROCESSED for e in result.errors)
        }
        with run.bookkeeping():
            # the outcome of every other one is known now; one a Bulk job did not
            # report may still have been created: looked up by email, as a lost answer
            intents.filter(hubspot_id__in=[record["id"] for record, _, _ in part]).exclude(
                hubspot_id__in=unprocessed
            ).delete()
            answered = []
            for record, payload, result in part:
                if record["id"] in unprocessed:
                    _unconfirmed(
                        run,
                        record,
                        f"Salesforce's Bulk job did not report this {object_type.lower()}",
                    )
                else:
                    answered.append((record, payload, result))
            _answered(run, answered, object_type)


def _answered(
    run: ContactRun, answered: list[tuple[dict[str, Any], dict[str, Any], Any]], object_type: str
) -> None:
    """Salesforce answered these creates: mirror and link what it created, fail what it
    refused (inside bookkeeping)."""
    created = []
    for record, payload, result in answered:
        if result.success:
            created.append((record, payload, result))
            continue
        run.contact_failed(
            failure(
                f"hs:{record['id']}",
                f"Salesforce refused to create the {object_type.lower()}",
                result.errors,
                hubspot_id=record["id"],
                email=email_of(record),
                direction=TO_SALESFORCE,
            )
        )
    if not created:
        return
    fields = run.salesforce_fields(object_type)
    # every mirrored field, as the next pull will read it back: no false "changed"
    values = [{f: str(payload.get(f, "")) for f in fields} for _, payload, _ in created]
    now = timezone.now()
    SalesforcePerson.objects.bulk_create(
        [
            SalesforcePerson(
                salesforce_id=result.id,
                salesforce_type=object_type,
                email=email_of(record),
                values=written,
                created_at=now,
                pending=False,
            )
            for (record, _, result), written in zip(created, values, strict=True)
        ],
        update_conflicts=True,
        unique_fields=["salesforce_id"],
        update_fields=["salesforce_type", "email", "values", "created_at", "pending"],
        batch_size=500,
    )
    contact_links_create(
        [
            NewLink(
                record=record,
                salesforce_id=result.id,
                salesforce_type=object_type,
                email=email_of(record),
                hubspot_values={
                    m.hubspot_property: record["properties"].get(m.hubspot_property) or ""
                    for m in run.mappings
                },
                salesforce_values=written,
                hubspot_modified_at=vendor_time(record["properties"].get("lastmodifieddate")),
            )
            for (record, _, result), written in zip(created, values, strict=True)
        ]
    )
    record_errors_resolve(record_keys=[f"hs:{record['id']}" for record, _, _ in created])
    for (record, _, result), written in zip(created, values, strict=True):
        run.settle(
            CREATED,
            action="record.created",
            email=email_of(record),
            hubspot_id=record["id"],
            salesforce_id=result.id,
            direction=TO_SALESFORCE,
            changes=new_record_changes(written, rule="new record", direction=TO_SALESFORCE),
            message=f"Created Salesforce {object_type.lower()} from the HubSpot contact.",
        )


def _unconfirmed(run: ContactRun, record: dict[str, Any], why: str) -> None:
    """A create that was sent but whose outcome is unknown: owed, with the reason, and
    looked up by email before anything is sent again (inside bookkeeping)."""
    run.contact_failed(
        failure(
            f"hs:{record['id']}",
            "Salesforce did not confirm the create",
            [unconfirmed(f"{why}; syncadmin looks it up by email before it tries again")],
            hubspot_id=record["id"],
            email=email_of(record),
            direction=TO_SALESFORCE,
        )
    )


def intents_of(records: Iterable[dict[str, Any]]) -> dict[str, ContactCreateIntent]:
    """The unconfirmed creates of these contacts, one query for the batch."""
    return {
        i.hubspot_id: i
        for i in ContactCreateIntent.objects.filter(hubspot_id__in=[r["id"] for r in records])
    }


def settle_unconfirmed_creates(
    run: ContactRun, *, hubspot_ids: Sequence[str] | None = None
) -> list[str]:
    """Creates a run sent without learning their outcome: look each up by email. Found:
    link it (it was created). Not found after ``WRITE_SETTLE_S``: it never was. Not found
    yet: it stays owed. Returns the HubSpot ids whose contacts are to be synced again
    now (linked or known never created).

    ``hubspot_ids``: only these contacts' creates (a work unit that holds their records
    and syncs them next)."""
    intents_of_run = ContactCreateIntent.objects.order_by("pk")
    if hubspot_ids is not None:
        intents_of_run = intents_of_run.filter(hubspot_id__in=list(hubspot_ids))
    intents = list(intents_of_run)
    settle_before = timezone.now() - timedelta(seconds=django_settings.WRITE_SETTLE_S)
    owed: list[str] = []
    for object_type in SALESFORCE_TYPES:
        typed = [i for i in intents if i.salesforce_type == object_type]
        for chunk in chunks(typed, SALESFORCE_BATCH):
            found = salesforce_by_email(run, object_type, [i.email for i in chunk])
            with run.bookkeeping():
                for intent in chunk:
                    person = found.get(intent.email)
                    if person is not None:
                        adopt(run, intent, person)
                        owed.append(intent.hubspot_id)
                    elif intent.created_at < settle_before:
                        intent.delete()  # never applied: synced again
                        owed.append(intent.hubspot_id)
                    else:
                        _still_unconfirmed(run, intent)
    return owed


def _still_unconfirmed(run: ContactRun, intent: ContactCreateIntent) -> None:
    """Not in Salesforce (yet): it may still land, so it is not sent again; this run
    reports it as not synced, with the reason."""
    settles_at = intent.created_at + timedelta(seconds=django_settings.WRITE_SETTLE_S)
    run.contact_failed(
        failure(
            f"hs:{intent.hubspot_id}",
            "Not created yet",
            [
                unconfirmed(
                    f"job #{intent.job_id} sent the create of this contact's "
                    f"{intent.salesforce_type.lower()} but never got Salesforce's answer, and it "
                    "is not in Salesforce yet; it may have been created, so it is not sent "
                    f"again before {settles_at:%Y-%m-%d %H:%M:%S} UTC"
                )
            ],
            hubspot_id=intent.hubspot_id,
            email=intent.email,
            direction=TO_SALESFORCE,
        )
    )


def adopt(run: ContactRun, intent: ContactCreateIntent, person: SalesforcePerson) -> None:
    """The record an unconfirmed create made: link it, and audit its creation."""
    intent.delete()
    if ContactLink.objects.filter(hubspot_id=intent.hubspot_id).exists():
        return
    if ContactLink.objects.filter(salesforce_id=person.salesforce_id).exists():
        return
    contact_link_create(
        record={"id": intent.hubspot_id},
        salesforce_id=person.salesforce_id,
        salesforce_type=person.salesforce_type,
        email=intent.email,
    )
    record_errors_resolve(record_keys=[f"hs:{intent.hubspot_id}"])
    run.settle(
        CREATED,
        action="record.created",
        email=intent.email,
        hubspot_id=intent.hubspot_id,
        salesforce_id=person.salesforce_id,
        direction=TO_SALESFORCE,
        changes=new_record_changes(person.values, rule="new record", direction=TO_SALESFORCE),
        message=(
            f"Created Salesforce {person.salesforce_type.lower()} from the HubSpot contact "
            f"(job #{intent.job_id} sent the create but never got its answer; found by "
            "email and linked, not created again)."
        ),
    )
