"""The Salesforce -> HubSpot pass, auto-create and the import from Salesforce.

Every mirrored lead/contact that changed since it last synced (*pending*): a linked one
flows to HubSpot when its contact is in the list; a new one creates (or links to) a
HubSpot contact when the auto-create setting is on, even outside the list (SPEC §3.5).
Only what synced (or needs nothing) stops being pending: a refused read or write keeps
it owed. The import (SPEC §3.6) brings every lead and contact into HubSpot, email only.
"""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Q, Subquery

from core.models import AuditEvent
from core.services.audit import new_record_changes
from integrations.chunks import chunks
from integrations.engine.contacts.creates import intents_of
from integrations.engine.contacts.links import contact_link_create
from integrations.engine.contacts.pairs import link_all, sync_pairs
from integrations.engine.contacts.reads import read_contacts
from integrations.engine.contacts.run import ContactRun, email_of, failure, record_keys
from integrations.engine.outcomes import CREATED
from integrations.engine.record_errors import record_errors_resolve
from integrations.models.contacts import ContactLink, PropertyMapping, SalesforcePerson
from integrations.rules.auto_create import auto_create_applies
from integrations.rules.mapping_rules import TO_HUBSPOT

#: HubSpot's batch endpoints take at most 100 inputs
HUBSPOT_BATCH = 100
#: pending records the pass takes at a time (the clients chunk their calls themselves)
PENDING_BATCH = 500


def sync_salesforce_pending(run: ContactRun, *, counted: bool = False) -> None:
    """Every Salesforce record changed since it last synced. ``counted``: the run's main
    pass, which adds them to the job's total first."""
    if counted:
        run.expect(pending_unsettled(run))
    last = ""
    while True:
        batch = list(
            SalesforcePerson.objects.filter(pending=True, is_deleted=False, pk__gt=last)
            .exclude(pk__in=[k[3:] for k in run.failed_keys if k.startswith("sf:")])
            .order_by("pk")[:PENDING_BATCH]
        )
        if not batch:
            return
        last = batch[-1].pk
        owed = _sync_batch(run, batch)
        with run.bookkeeping():
            SalesforcePerson.objects.filter(
                pk__in=[p.pk for p in batch if p.pk not in owed]
            ).update(pending=False)
        run.ctx.raise_if_cancelled()


def pending_unsettled(run: ContactRun) -> int:
    """How many Salesforce records the pass will count: the pending ones that have no
    outcome in this job yet (under their own id or their linked contact's), looked up a
    batch at a time (every outcome so far is committed)."""
    outcomes = AuditEvent.objects.filter(job_id=run.ctx.job_id).exclude(outcome="")
    linked_to = ContactLink.objects.filter(salesforce_id=OuterRef("pk")).values("hubspot_id")
    rows = (
        SalesforcePerson.objects.filter(pending=True, is_deleted=False)
        .annotate(linked_hubspot_id=Subquery(linked_to[:1]))
        .values_list("pk", "linked_hubspot_id")
    )
    unsettled = 0
    for batch in chunks(rows.iterator(chunk_size=PENDING_BATCH), PENDING_BATCH):
        hubspot_ids = [h for _, h in batch if h]
        settled = set()
        for salesforce_id, hubspot_id in outcomes.filter(
            Q(salesforce_id__in=[s for s, _ in batch]) | Q(hubspot_id__in=hubspot_ids)
        ).values_list("salesforce_id", "hubspot_id"):
            settled.update(record_keys(hubspot_id=hubspot_id, salesforce_id=salesforce_id))
        unsettled += sum(
            1
            for salesforce_id, hubspot_id in batch
            if not settled.intersection(
                record_keys(hubspot_id=hubspot_id or "", salesforce_id=salesforce_id)
            )
        )
    return unsettled


def _sync_batch(run: ContactRun, people: list[SalesforcePerson]) -> set[str]:
    """Sync the batch; returns the Salesforce ids still owed (their sync failed)."""
    links = {
        link.salesforce_id: link
        for link in ContactLink.objects.filter(salesforce_id__in=[p.pk for p in people])
    }
    run.absorb_job_outcomes(
        salesforce_ids=[p.pk for p in people],
        hubspot_ids=[link.hubspot_id for link in links.values()],
    )
    # failed in this job (in a unit): tried again by the next run
    refused = {p.pk for p in people if f"sf:{p.pk}" in run.failed_keys}
    people = [p for p in people if p.pk not in refused]
    linked = [p for p in people if p.pk in links]
    unlinked = [p for p in people if p.pk not in links and p.email]
    no_email = [p for p in people if p.pk not in links and not p.email]
    if no_email:
        with run.bookkeeping():
            for person in no_email:
                run.skip_person("no_email", person)
    # a contact that failed earlier in this run is tried again by the next one
    owed = {p.pk for p in linked if f"hs:{links[p.pk].hubspot_id}" in run.failed_keys}
    linked = [p for p in linked if p.pk not in owed]
    if linked:
        by_hubspot_id = {links[p.pk].hubspot_id: p for p in linked}
        records = read_contacts(run, list(by_hubspot_id))
        read = {r["id"] for r in records}
        owed |= {
            p.pk
            for hubspot_id, p in by_hubspot_id.items()
            if hubspot_id not in read and f"hs:{hubspot_id}" in run.failed_keys
        }
        with run.bookkeeping():
            for hubspot_id, person in by_hubspot_id.items():
                if hubspot_id not in read and f"hs:{hubspot_id}" not in run.failed_keys:
                    run.skip_person("hubspot_contact_gone", person, hubspot_id=hubspot_id)
                elif hubspot_id in read and not run.gate.allows(hubspot_id):
                    run.skip_person("not_in_list", person, hubspot_id=hubspot_id)
        pairs = [
            (record, links[by_hubspot_id[record["id"]].pk])
            for record in records
            if record["id"] in by_hubspot_id and run.gate.allows(record["id"])
        ]
        failed = sync_pairs(run, pairs)
        owed |= {by_hubspot_id[h].pk for h in failed if h in by_hubspot_id}
    if unlinked:
        owed |= _unlinked(run, unlinked)
    return owed | refused


def _unlinked(run: ContactRun, people: list[SalesforcePerson]) -> set[str]:
    """Salesforce records without a HubSpot contact yet; returns the ids still owed."""
    auto = [
        p
        for p in people
        if auto_create_applies(
            run.settings, salesforce_type=p.salesforce_type, created_at=p.created_at
        )
    ]
    others = [p for p in people if p not in auto]
    owed: set[str] = set()
    if auto:
        owed |= _auto_create_in_hubspot(run, auto)
    if others and run.hubspot_fully_read:
        # every HubSpot contact was read: one with this email would be linked by now
        with run.bookkeeping():
            linked_emails = set(
                ContactLink.objects.filter(email__in={p.email for p in others}).values_list(
                    "email", flat=True
                )
            )
            for person in others:
                hubspot_id = run.outside_list.get(person.email, "")
                if hubspot_id:
                    reason = "not_in_list"
                elif person.email in linked_emails:
                    reason = "duplicate_email"
                else:
                    reason = "not_in_hubspot"
                run.skip_person(reason, person, hubspot_id=hubspot_id)
    if others and not run.hubspot_fully_read:
        owed |= _match_in_hubspot(run, others)
    return owed


def _match_in_hubspot(run: ContactRun, others: list[SalesforcePerson]) -> set[str]:
    """A Salesforce record with no link may match a HubSpot contact in the list, by
    email; returns the ids still owed."""
    by_email: dict[str, SalesforcePerson] = {}
    for person in others:
        by_email.setdefault(person.email, person)
    records = read_contacts(run, sorted(by_email), "email", by_email)
    refused = {e for e, p in by_email.items() if f"sf:{p.pk}" in run.failed_keys}
    owed = {p.pk for p in others if p.email in refused}
    found = {email_of(r): r for r in records}
    intents = intents_of(records)
    taken = set(
        ContactLink.objects.filter(hubspot_id__in=[r["id"] for r in records]).values_list(
            "hubspot_id", flat=True
        )
    )
    matched = []
    with run.bookkeeping():
        for person in others:
            if person.email in refused:
                continue
            record = found.get(person.email)
            if record is None:
                run.skip_person("not_in_hubspot", person)
                continue
            if f"hs:{record['id']}" in run.failed_keys:
                continue  # its create is unconfirmed in this run: the next one settles it
            if not run.gate.allows(record["id"]):
                run.skip_person("not_in_list", person, hubspot_id=record["id"])
                continue
            if record["id"] in taken:
                run.skip_person("duplicate_email", person, hubspot_id=record["id"])
                continue
            taken.add(record["id"])
            matched.append((record, person, intents.get(record["id"])))
        links = link_all(run, matched)
    pairs = [(record, links[record["id"]]) for record, _, _ in matched]
    failed = sync_pairs(run, pairs)
    return owed | {link.salesforce_id for _, link in pairs if link.hubspot_id in failed}


def _auto_create_in_hubspot(run: ContactRun, people: list[SalesforcePerson]) -> set[str]:
    """Auto-create bypass (SPEC §3.5): create, or link to, the HubSpot contact even
    outside the inclusion list; later updates wait until it is in the list. Returns the
    Salesforce ids still owed."""
    by_field = {m.salesforce_field: m for m in run.mappings}
    inputs = []
    for person in people:
        props = {"email": person.email}
        for sf_field, value in person.values.items():
            mapping = by_field.get(sf_field)
            if mapping and mapping.rule != PropertyMapping.Rule.DONT_SYNC and value:
                props[mapping.hubspot_property] = value
        inputs.append({"id": person.email, "properties": props})
    outcome = run.hubspot.contacts_batch_upsert(inputs, id_property="email")
    run.wrote_hubspot = True
    owed: set[str] = set()
    with run.bookkeeping():
        for index, person in enumerate(people):
            error = outcome.error_for(index)
            record = outcome.results.get(index)
            if error is not None or record is None:
                owed.add(person.pk)
                run.contact_failed(
                    failure(
                        f"sf:{person.pk}",
                        "HubSpot refused to create the contact",
                        [error] if error else [],
                        salesforce_id=person.pk,
                        email=person.email,
                        direction=TO_HUBSPOT,
                    )
                )
                continue
            _auto_created(run, person, record, inputs[index]["properties"])
    return owed


def _link_written(
    run: ContactRun,
    person: SalesforcePerson,
    record: dict[str, Any],
    origin: str,
    **values: dict[str, str],
) -> ContactLink | None:
    """Link the Salesforce record to the HubSpot contact written for it; None when that
    contact is already linked to another record (skipped as a duplicate email)."""
    link, created = contact_link_create(
        record=record,
        salesforce_id=person.pk,
        salesforce_type=person.salesforce_type,
        email=person.email,
        origin=origin,
        **values,
    )
    if not created:
        run.skip_person("duplicate_email", person, hubspot_id=link.hubspot_id)
        return None
    return link


def _auto_created(
    run: ContactRun, person: SalesforcePerson, record: dict[str, Any], written: dict[str, Any]
) -> None:
    link = _link_written(
        run,
        person,
        record,
        ContactLink.Origin.AUTO_CREATE,
        hubspot_values=dict(written),
        salesforce_values=person.values,
    )
    if link is None:
        return
    record_errors_resolve(record_keys=[f"sf:{person.pk}"])
    run.settle(
        CREATED,
        action="record.created",
        email=person.email,
        hubspot_id=link.hubspot_id,
        salesforce_id=person.pk,
        direction=TO_HUBSPOT,
        changes=new_record_changes(written, rule="auto-create", direction=TO_HUBSPOT),
        message=(
            f"A new Salesforce {person.salesforce_type.lower()} created (or linked to) "
            "this HubSpot contact (auto-create setting), even outside the inclusion list."
        ),
    )


def import_from_salesforce(run: ContactRun) -> None:
    """SPEC §3.6: bring every Salesforce lead/contact into HubSpot, writing the email only."""
    last = ""
    while True:
        people = list(
            SalesforcePerson.objects.filter(is_deleted=False, pk__gt=last)
            .exclude(email="")
            .exclude(salesforce_id__in=ContactLink.objects.values("salesforce_id"))
            .exclude(email__in=ContactLink.objects.values("email"))
            .order_by("pk")[:HUBSPOT_BATCH]
        )
        if not people:
            return
        last = people[-1].pk
        unique = list({p.email: p for p in people}.values())
        outcome = run.hubspot.contacts_batch_upsert(
            [{"id": p.email, "properties": {"email": p.email}} for p in unique],
            id_property="email",
        )
        with run.bookkeeping():
            for index, person in enumerate(unique):
                record = outcome.results.get(index)
                if record is None:
                    run.contact_failed(
                        failure(
                            f"sf:{person.pk}",
                            "HubSpot refused the imported contact",
                            [e for e in [outcome.error_for(index)] if e],
                            salesforce_id=person.pk,
                            email=person.email,
                            direction=TO_HUBSPOT,
                        )
                    )
                    continue
                _imported(run, person, record)
            if len(unique) < len(people):
                # same email on several Salesforce records: the others stay unlinked
                kept = {p.pk for p in unique}
                dupes = [p for p in people if p.pk not in kept]
                SalesforcePerson.objects.filter(pk__in=[p.pk for p in dupes]).update(pending=False)
                for person in dupes:
                    run.skip_person("duplicate_email", person)
        run.ctx.raise_if_cancelled()


def _imported(run: ContactRun, person: SalesforcePerson, record: dict[str, Any]) -> None:
    link = _link_written(run, person, record, ContactLink.Origin.IMPORT)
    if link is None:
        return
    run.settle(
        CREATED,
        action="record.imported",
        email=person.email,
        hubspot_id=link.hubspot_id,
        salesforce_id=person.pk,
        direction=TO_HUBSPOT,
        changes=[{"field": "email", "before": "", "after": person.email, "rule": "import"}],
        message="Imported from Salesforce: only the email is written at import.",
    )
