"""HubSpot contacts paired with Salesforce records, and field values both ways.

``sync_records`` is what a batch of eligible HubSpot contacts goes through, in the
run or in a work unit: each unlinked contact is linked by email (case-insensitive) to
a mirrored lead or contact, the others are created in Salesforce (``creates.py``), and
every linked pair's mapped values flow both ways by the mapping rules
(``rules/mapping_rules.py``): Salesforce in collections of 200 sent side by side,
HubSpot in batches of 100; what both sides hold afterwards is stored on the link.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from django.conf import settings as django_settings
from django.utils import timezone

from core.rows_update import rows_update
from integrations.chunks import chunks
from integrations.engine.contacts.creates import (
    adopt,
    create_in_salesforce,
    intents_of,
    write_batch,
)
from integrations.engine.contacts.links import NewLink, contact_links_create
from integrations.engine.contacts.run import SALESFORCE_TYPES, ContactRun, email_of, failure
from integrations.engine.outcomes import LINKED, UNCHANGED, UPDATED
from integrations.engine.record_errors import record_errors_resolve
from integrations.http.side_by_side import side_by_side
from integrations.models.contacts import ContactCreateIntent, ContactLink, SalesforcePerson
from integrations.rules import mapping_rules
from integrations.rules.mapping_rules import TO_HUBSPOT, TO_SALESFORCE, FieldDecision
from integrations.vendor_time import vendor_time


def eligible_of(run: ContactRun, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The contacts the inclusion gate lets through; the others are settled as skipped
    (committed before any write is sent)."""
    eligible = []
    for record in records:
        if f"hs:{record['id']}" in run.failed_keys:
            continue
        if not email_of(record):
            run.skip("no_email", hubspot_id=record["id"])
        elif not run.gate.allows(record["id"]):
            run.outside_list[email_of(record)] = record["id"]
            run.skip("not_in_list", hubspot_id=record["id"], email=email_of(record))
        else:
            eligible.append(record)
    with run.bookkeeping():
        pass  # the skips commit with their counts before any write is sent
    return eligible


def sync_records(run: ContactRun, eligible: list[dict[str, Any]]) -> None:
    """Link (by email) or create eligible contacts in Salesforce, then sync fields."""
    pairs, to_create = link_by_email(run, eligible)
    create_in_salesforce(run, to_create)
    sync_pairs(run, pairs)


def link_by_email(
    run: ContactRun, eligible: list[dict[str, Any]]
) -> tuple[list[tuple[dict[str, Any], ContactLink]], list[dict[str, Any]]]:
    """Link each unlinked eligible contact that a mirrored Salesforce record matches by
    email; returns every linked contact with its link, and the contacts still to create
    in Salesforce."""
    eligible = [r for r in eligible if f"hs:{r['id']}" not in run.failed_keys]
    links = {
        link.hubspot_id: link
        for link in ContactLink.objects.filter(hubspot_id__in=[r["id"] for r in eligible])
    }
    unlinked = [r for r in eligible if r["id"] not in links]
    matches = _match_by_email(unlinked)
    if matches:
        intents = intents_of(r for r in unlinked if r["id"] in matches)
        with run.bookkeeping():
            links.update(
                link_all(
                    run,
                    [
                        (record, matches[record["id"]], intents.get(record["id"]))
                        for record in unlinked
                        if record["id"] in matches
                    ],
                )
            )
    to_create = [r for r in unlinked if r["id"] not in matches]
    return [(r, links[r["id"]]) for r in eligible if r["id"] in links], to_create


def _match_by_email(records: list[dict[str, Any]]) -> dict[str, SalesforcePerson]:
    """Unlinked contacts -> an existing Salesforce contact (preferred) or lead, by email."""
    emails = {email_of(r) for r in records}
    candidates: dict[str, SalesforcePerson] = {}
    linked = set(
        ContactLink.objects.filter(email__in=emails).values_list("salesforce_id", flat=True)
    )
    for person in SalesforcePerson.objects.filter(email__in=emails, is_deleted=False).order_by(
        "created_at"
    ):
        if person.salesforce_id in linked:
            continue
        best = candidates.get(person.email)
        if best is None or (best.salesforce_type == "Lead" and person.salesforce_type == "Contact"):
            candidates[person.email] = person
    return {r["id"]: candidates[email] for r in records if (email := email_of(r)) in candidates}


def link_all(
    run: ContactRun,
    matched: list[tuple[dict[str, Any], SalesforcePerson, ContactCreateIntent | None]],
) -> dict[str, ContactLink]:
    """Link each HubSpot contact to the Salesforce record matched by its email (with the
    contact's unconfirmed create, if it has one); returns the links by HubSpot id
    (inside bookkeeping)."""
    for _, person, intent in matched:
        if intent is not None and intent.email == person.email:
            adopt(run, intent, person)  # the record our own unconfirmed create made
    pairs = contact_links_create(
        [
            NewLink(
                record=record,
                salesforce_id=person.salesforce_id,
                salesforce_type=person.salesforce_type,
                email=person.email or email_of(record),
            )
            for record, person, _ in matched
        ]
    )
    SalesforcePerson.objects.filter(pk__in=[p.pk for _, p, _ in matched]).update(pending=False)
    for (_, person, _), (link, created) in zip(matched, pairs, strict=True):
        if created:
            run.settle(
                LINKED,
                action="record.linked",
                email=link.email,
                hubspot_id=link.hubspot_id,
                salesforce_id=link.salesforce_id,
                message="Matched by email to the existing Salesforce "
                f"{person.salesforce_type.lower()}.",
            )
    return {link.hubspot_id: link for link, _ in pairs}


@dataclass
class _Plan:
    record: dict[str, Any]
    link: ContactLink
    person: SalesforcePerson
    hubspot_values: dict[str, Any]
    decisions: list[FieldDecision]
    hubspot_modified: datetime | None = None

    @property
    def salesforce_changes(self) -> dict[str, str]:
        return {d.salesforce_field: d.after for d in self.decisions if d.direction == TO_SALESFORCE}

    @property
    def hubspot_changes(self) -> dict[str, str]:
        return {d.hubspot_property: d.after for d in self.decisions if d.direction == TO_HUBSPOT}

    @property
    def hubspot_changes_by_property(self) -> dict[str, str]:
        return {
            **self.hubspot_changes,
            **{d.hubspot_property: d.after for d in self.decisions if d.direction == TO_SALESFORCE},
        }


def sync_pairs(run: ContactRun, pairs: list[tuple[dict[str, Any], ContactLink]]) -> set[str]:
    """Field values both ways for linked pairs whose HubSpot values are in hand.
    Returns the HubSpot ids whose writes failed."""
    if not pairs:
        return set()
    people = {
        p.salesforce_id: p
        for p in SalesforcePerson.objects.filter(
            salesforce_id__in=[link.salesforce_id for _, link in pairs]
        )
    }
    plans, gone = [], []
    for record, link in pairs:
        person = people.get(link.salesforce_id)
        if person is None or person.is_deleted:
            gone.append(link)
            continue
        props = record["properties"]
        hubspot_values = {
            m.hubspot_property: props.get(m.hubspot_property) or "" for m in run.mappings
        }
        decisions = mapping_rules.decide_record(
            run.mappings_for(link.salesforce_type),
            hubspot_values=hubspot_values,
            salesforce_values=person.values,
            last_hubspot=link.hubspot_values or None,
            last_salesforce=link.salesforce_values or None,
            hubspot_modified=vendor_time(props.get("lastmodifieddate")),
            salesforce_modified=person.modified_at,
        )
        plans.append(_Plan(record, link, person, hubspot_values, decisions))
    if gone:
        with run.bookkeeping():
            for link in gone:
                run.skip(
                    "salesforce_record_gone",
                    hubspot_id=link.hubspot_id,
                    salesforce_id=link.salesforce_id,
                    email=link.email,
                )
    return _write(run, plans)


def _write(run: ContactRun, plans: list[_Plan]) -> set[str]:
    """Send the plans' changes to both sides, then store what both hold; returns the
    HubSpot ids whose writes failed."""
    to_salesforce = [p for p in plans if p.salesforce_changes]
    to_hubspot = [p for p in plans if p.hubspot_changes]
    failures: list[tuple[_Plan, str, list[Any], str]] = []
    stop: Exception | None = None
    for object_type in SALESFORCE_TYPES:
        typed = [p for p in to_salesforce if p.link.salesforce_type == object_type]
        batches = list(chunks(typed, write_batch(run, len(typed))))
        outcomes = side_by_side(
            [
                partial(
                    run.salesforce.update,
                    object_type,
                    [{"Id": p.link.salesforce_id, **p.salesforce_changes} for p in chunk],
                )
                for chunk in batches
            ],
            at_most=django_settings.SALESFORCE_WRITES_AT_ONCE,
        )
        for chunk, results in zip(batches, outcomes, strict=True):
            if isinstance(results, Exception):
                stop = stop or results
                continue
            run.wrote_salesforce(object_type, len(chunk))
            for plan, result in zip(chunk, results, strict=True):
                if not result.success:
                    failures.append(
                        (
                            plan,
                            TO_SALESFORCE,
                            result.errors,
                            f"Salesforce refused the update of {object_type.lower()}",
                        )
                    )
    if stop is not None:
        raise stop
    for chunk in chunks(to_hubspot, 100):
        outcome = run.hubspot.contacts_batch_update(
            [{"id": p.link.hubspot_id, "properties": p.hubspot_changes} for p in chunk]
        )
        run.wrote_hubspot = True
        for index, plan in enumerate(chunk):
            error = outcome.error_for(index)
            if error is not None:
                failures.append((plan, TO_HUBSPOT, [error], "HubSpot refused the update"))
            else:
                written = outcome.results.get(index) or {}
                plan.hubspot_modified = vendor_time(
                    (written.get("properties") or {}).get("lastmodifieddate")
                    or written.get("updatedAt")
                )
    with run.bookkeeping():
        for plan, direction, errors, what in failures:
            link_failed(run, plan.link, direction, errors, what)
        failed = {plan.link.hubspot_id for plan, *_ in failures}
        _remember(run, plans, failed)
    return failed


def link_failed(
    run: ContactRun, link: ContactLink, direction: str, errors: Iterable[Any], what: str
) -> None:
    """A linked contact's write failed (inside bookkeeping)."""
    run.contact_failed(
        failure(
            f"hs:{link.hubspot_id}",
            what,
            list(errors),
            hubspot_id=link.hubspot_id,
            salesforce_id=link.salesforce_id,
            email=link.email,
            direction=direction,
        )
    )


def _remember(run: ContactRun, plans: list[_Plan], failed: set[str]) -> None:
    """Store what both sides now hold, audit each write, clear resolved errors."""
    synced = [plan for plan in plans if plan.link.hubspot_id not in failed]
    now = timezone.now()
    people = []
    for plan in synced:
        link = plan.link
        link.hubspot_values = {**plan.hubspot_values, **plan.hubspot_changes_by_property}
        link.salesforce_values = {**plan.person.values, **plan.salesforce_changes}
        link.hubspot_modified_at = plan.hubspot_modified or vendor_time(
            plan.record["properties"].get("lastmodifieddate")
        )
        link.salesforce_modified_at = plan.person.modified_at
        link.hubspot_owner_id = plan.record["properties"].get("hubspot_owner_id") or ""
        link.last_synced_at = now
        plan.person.values, plan.person.pending = link.salesforce_values, False
        people.append(plan.person)
    rows_update(
        [plan.link for plan in synced],
        [
            "hubspot_owner_id",
            "hubspot_values",
            "salesforce_values",
            "hubspot_modified_at",
            "salesforce_modified_at",
            "last_synced_at",
        ],
    )
    rows_update(people, ["values", "pending"])
    for plan in synced:
        link = plan.link
        if not plan.decisions:
            run.settle(
                UNCHANGED,
                action="record.unchanged",
                email=link.email,
                hubspot_id=link.hubspot_id,
                salesforce_id=link.salesforce_id,
                message="Both sides already hold the same mapped values.",
            )
            continue
        directions = {d.direction for d in plan.decisions}
        run.settle(
            UPDATED,
            action="record.updated",
            email=link.email,
            hubspot_id=link.hubspot_id,
            salesforce_id=link.salesforce_id,
            direction=directions.pop() if len(directions) == 1 else "",
            changes=[d.audit_change() for d in plan.decisions],
            message=_update_message(plan.decisions, link.salesforce_type),
        )
    record_errors_resolve(record_keys=[f"hs:{plan.link.hubspot_id}" for plan in synced])


def _update_message(decisions: Iterable[FieldDecision], salesforce_type: str) -> str:
    to_sf = [d.salesforce_field for d in decisions if d.direction == TO_SALESFORCE]
    to_hs = [d.hubspot_property for d in decisions if d.direction == TO_HUBSPOT]
    parts = []
    if to_sf:
        parts.append(f"Salesforce {salesforce_type.lower()} updated: {', '.join(to_sf)}.")
    if to_hs:
        parts.append(f"HubSpot contact updated: {', '.join(to_hs)}.")
    return " ".join(parts)
