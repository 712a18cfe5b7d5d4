"""Reconcile, contacts: do both systems hold what the sync rules say they should?

- every eligible HubSpot contact (a member of the inclusion list, or any with an
  email when there is none) has a link, and its linked Salesforce lead/contact is
  live;
- every link's two records still exist (else the link is orphaned);
- for every mapping with a sync rule, both sides of an eligible linked pair hold
  the value the rule says (``mapping_rules.decide_field``: the value the sync
  would write, on the side that should hold it);
- a Salesforce lead/contact the auto-create setting covers has a HubSpot contact.

Compared with what the vendors hold now, not with syncadmin's own bookkeeping;
the links are only the claims being checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from integrations.engine.reconcile.duplicates import links_of_salesforce
from integrations.engine.reconcile.findings import Compared, Found, Kind
from integrations.engine.reconcile.reads import (
    Side,
    batches,
    email_of,
    hubspot_record,
    salesforce_person,
    short_id,
    snapshot,
    text,
)
from integrations.models import (
    ContactLink,
    ContactSyncSettings,
    PropertyMapping,
    ReconcileSnapshot,
    RecordError,
)
from integrations.rules.auto_create import auto_create_applies
from integrations.rules.mapping_rules import decide_field
from integrations.vendor_time import vendor_time


def _describe(person: dict) -> str:
    return f"{person['type'].lower()} {person['Id']}"


def _by_key(rows: object) -> dict[str, ReconcileSnapshot]:
    return {row.key: row for row in rows}  # type: ignore[attr-defined]


class ContactsCompare:
    """One comparison of every contact, from the run's staged records, a batch at a time:
    the eligible HubSpot contacts, then the links of the others, then the Salesforce
    records no link claims. Each record compared is one ``Compared`` (``hs:<id>`` /
    ``sf:<id>``), with the duplicates ``duplicates_compare`` reports on it."""

    def __init__(
        self,
        *,
        job_id: int,
        mappings: dict[str, list[PropertyMapping]],
        duplicates: dict[str, list[Found]],
        settings: ContactSyncSettings,
        last_sync_at: datetime | None,
    ) -> None:
        self.hubspot = snapshot(job_id, Side.HUBSPOT)
        self.salesforce = snapshot(job_id, Side.SALESFORCE)
        self.mappings = mappings
        self.duplicates = duplicates
        self.settings = settings
        self.last_sync_at = last_sync_at

    def batches(self) -> Iterator[list[Compared]]:
        yield from self._eligible_batches()
        yield from self._link_batches()
        yield from self._salesforce_batches()

    # --- one unit per record ----------------------------------------------------------
    def _unit(
        self, key: str, *, email: str, hubspot_id: str = "", salesforce_id: str = ""
    ) -> Compared:
        return Compared(
            key=key,
            object_type="contact",
            label=email,
            email=email,
            hubspot_id=hubspot_id,
            salesforce_id=salesforce_id,
        )

    def _with_duplicates(self, units: list[Compared]) -> list[Compared]:
        for unit in units:
            unit.findings.extend(self.duplicates.get(unit.key, []))
        return units

    def _eligible_batches(self) -> Iterator[list[Compared]]:
        for rows in batches(self.hubspot.filter(eligible=True)):
            ids = [row.key for row in rows]
            links = {
                link.hubspot_id: link for link in ContactLink.objects.filter(hubspot_id__in=ids)
            }
            people = _by_key(
                self.salesforce.filter(
                    key__in=[short_id(link.salesforce_id) for link in links.values()]
                )
            )
            unlinked = [row.email for row in rows if row.key not in links]
            same_email: dict[str, list[dict]] = {}
            for row in self.salesforce.filter(email__in=unlinked).order_by("pk"):
                same_email.setdefault(row.email, []).append(salesforce_person(row))
            errors = dict(
                RecordError.objects.filter(
                    object_type="contact", record_key__in=[f"hs:{i}" for i in ids]
                ).values_list("record_key", "message")
            )
            units = []
            for row in rows:
                record, link = hubspot_record(row), links.get(row.key)
                unit = self._unit(f"hs:{row.key}", email=row.email, hubspot_id=row.key)
                units.append(unit)
                if link is None:
                    unit.findings.append(
                        self._missing_in_salesforce(
                            record,
                            row.email,
                            same_email.get(row.email, []),
                            errors.get(f"hs:{row.key}"),
                        )
                    )
                    continue
                unit.salesforce_id = link.salesforce_id
                person = people.get(short_id(link.salesforce_id))
                if person is None:
                    unit.findings.append(
                        self._orphaned(link, row.email, hubspot_gone=False, salesforce_gone=True)
                    )
                    continue
                unit.findings.extend(self._drift(record, salesforce_person(person), link))
            yield self._with_duplicates(units)

    def _link_batches(self) -> Iterator[list[Compared]]:
        for links in batches(ContactLink.objects.all()):
            records = _by_key(self.hubspot.filter(key__in=[link.hubspot_id for link in links]))
            links = [
                link
                for link in links
                if not (link.hubspot_id in records and records[link.hubspot_id].eligible)
            ]
            people = _by_key(
                self.salesforce.filter(key__in=[short_id(link.salesforce_id) for link in links])
            )
            yield self._with_duplicates(
                [
                    self._not_eligible(
                        link, records.get(link.hubspot_id), people.get(short_id(link.salesforce_id))
                    )
                    for link in links
                ]
            )

    def _salesforce_batches(self) -> Iterator[list[Compared]]:
        for rows in batches(self.salesforce.exclude(email="")):
            linked = links_of_salesforce([row.vendor_id for row in rows])
            rows = [row for row in rows if row.key not in linked]
            contacts: dict[str, ReconcileSnapshot] = {}
            for row in self.hubspot.filter(email__in=[r.email for r in rows]).order_by("pk"):
                contacts[row.email] = row  # the last of those sharing the email, as read
            compared = {row.key for row in contacts.values() if row.eligible} | set(
                ContactLink.objects.filter(
                    hubspot_id__in=[row.key for row in contacts.values()]
                ).values_list("hubspot_id", flat=True)
            )
            units = []
            for row in rows:
                contact = contacts.get(row.email)
                units.append(
                    self._unlinked_salesforce(
                        salesforce_person(row),
                        hubspot_record(contact) if contact else None,
                        reported=contact is not None and contact.key in compared,
                    )
                )
            yield self._with_duplicates(units)

    def _changed_since_sync(self, *stamps: object) -> bool:
        """Did either side change after the last contact sync began? (The next sync may
        resolve the finding by itself; the page says so.)"""
        if self.last_sync_at is None:
            return True
        return any((vendor_time(s) or self.last_sync_at) > self.last_sync_at for s in stamps)

    def _eligible(self, record: dict, link: ContactLink | None) -> None:
        props = record["properties"]
        email = email_of(props.get("email"))
        unit = self._unit(f"hs:{record['id']}", email=email, hubspot_id=str(record["id"]))
        if link is None:
            unit.findings.append(self._missing_in_salesforce(record, email))
            return
        unit.salesforce_id = link.salesforce_id
        person = self.sides.salesforce.get(short_id(link.salesforce_id))
        if person is None:
            unit.findings.append(
                self._orphaned(link, email, hubspot_gone=False, salesforce_gone=True)
            )
            return
        unit.findings.extend(self._drift(record, person, link))

    def _missing_in_salesforce(
        self, record: dict, email: str, same_email: list[dict], error: str | None
    ) -> Found:
        if same_email:
            named = ", ".join(_describe(p) for p in same_email)
            message = (
                f"Not linked to any Salesforce record, though Salesforce has {named} with "
                "this email."
            )
        else:
            message = "No Salesforce lead or contact has this email, and no link exists."
        if error:
            message += f" Its last sync failed: {error}"
        return Found(
            kind=Kind.MISSING_IN_SALESFORCE,
            record_key=f"hs:{record['id']}",
            hubspot_id=str(record["id"]),
            salesforce_id=same_email[0]["Id"] if same_email else "",
            email=email,
            hubspot_value=email,
            message=message,
            details={
                "same_email": [{"id": p["Id"], "type": p["type"]} for p in same_email],
                "changed_since_sync": self._changed_since_sync(
                    record["properties"].get("createdate")
                ),
            },
        )

    def _orphaned(
        self, link: ContactLink, email: str, *, hubspot_gone: bool, salesforce_gone: bool
    ) -> Found:
        gone = []
        if hubspot_gone:
            gone.append(f"the HubSpot contact {link.hubspot_id}")
        if salesforce_gone:
            gone.append(f"the Salesforce {link.salesforce_type.lower()} {link.salesforce_id}")
        return Found(
            kind=Kind.ORPHANED_LINK,
            record_key=f"link:{link.hubspot_id}",
            hubspot_id=link.hubspot_id,
            salesforce_id=link.salesforce_id,
            email=email or link.email,
            hubspot_value="(deleted)" if hubspot_gone else link.hubspot_id,
            salesforce_value="(deleted)" if salesforce_gone else link.salesforce_id,
            message=f"The link points at {' and '.join(gone)}, which no longer exists "
            "(deleted, merged or converted).",
            details={
                "link_id": link.pk,
                "hubspot_gone": hubspot_gone,
                "salesforce_gone": salesforce_gone,
                "salesforce_type": link.salesforce_type,
            },
        )

    def _drift(self, record: dict, person: dict, link: ContactLink) -> list[Found]:
        props = record["properties"]
        hs_at, sf_at = (
            vendor_time(props.get("lastmodifieddate")),
            vendor_time(person.get("SystemModstamp")),
        )
        hubspot_newer = bool(hs_at and (sf_at is None or hs_at > sf_at))
        found = []
        for mapping in self.mappings.get(person["type"], []):
            if mapping.rule == PropertyMapping.Rule.DONT_SYNC:
                continue
            decision = decide_field(
                mapping,
                hubspot_value=text(props.get(mapping.hubspot_property)),
                salesforce_value=text(person.get(mapping.salesforce_field)),
                last_hubspot=(link.hubspot_values or {}).get(mapping.hubspot_property, "")
                if link.hubspot_values
                else None,
                last_salesforce=(link.salesforce_values or {}).get(mapping.salesforce_field, "")
                if link.salesforce_values
                else None,
                hubspot_newer=hubspot_newer,
            )
            if decision is None:
                continue
            found.append(
                Found(
                    kind=Kind.FIELD_DRIFT,
                    record_key=f"hs:{record['id']}",
                    field=mapping.hubspot_property,
                    hubspot_id=str(record["id"]),
                    salesforce_id=person["Id"],
                    email=email_of(props.get("email")),
                    hubspot_value=text(props.get(mapping.hubspot_property)),
                    salesforce_value=text(person.get(mapping.salesforce_field)),
                    expected_value=decision.after,
                    message=(
                        f"HubSpot {mapping.hubspot_property} and Salesforce "
                        f"{mapping.salesforce_field} differ; “{mapping.get_rule_display()}” "
                        f"says both should hold “{decision.after}”."
                    ),
                    details={
                        "salesforce_field": mapping.salesforce_field,
                        "rule": mapping.rule,
                        "salesforce_type": person["type"],
                        "changed_since_sync": self._changed_since_sync(
                            props.get("lastmodifieddate"), person.get("SystemModstamp")
                        ),
                    },
                )
            )
        return found

    def _not_eligible(
        self,
        link: ContactLink,
        record: ReconcileSnapshot | None,
        person: ReconcileSnapshot | None,
    ) -> Compared:
        """A link whose contact is not eligible (left the list, lost its email, or gone):
        its values do not sync, but both its records must still exist."""
        email = record.email if record else link.email
        unit = self._unit(
            f"hs:{link.hubspot_id}",
            email=email,
            hubspot_id=link.hubspot_id,
            salesforce_id=link.salesforce_id,
        )
        if record is None or person is None:
            unit.findings.append(
                self._orphaned(
                    link, email, hubspot_gone=record is None, salesforce_gone=person is None
                )
            )
        return unit

    def _unlinked_salesforce(
        self, person: dict, contact: dict | None, *, reported: bool
    ) -> Compared:
        """A live lead/contact no link claims: compared for duplicates (elsewhere) and, when
        the auto-create setting covers it, for its HubSpot contact (``contact``: the one
        with its email; ``reported``: an eligible or linked one, reported there)."""
        email = email_of(person["Email"])
        unit = self._unit(f"sf:{person['Id']}", email=email, salesforce_id=person["Id"])
        covered = auto_create_applies(
            self.settings,
            salesforce_type=person["type"],
            created_at=vendor_time(person.get("CreatedDate")),
        )
        if not covered or reported:
            return unit
        unit.findings.append(
            Found(
                kind=Kind.MISSING_IN_HUBSPOT,
                record_key=f"sf:{person['Id']}",
                salesforce_id=person["Id"],
                hubspot_id=str(contact["id"]) if contact else "",
                email=email,
                salesforce_value=email,
                message=(
                    f"The auto-create setting covers this {person['type'].lower()}, but "
                    + (
                        f"the HubSpot contact {contact['id']} with its email is not linked to it."
                        if contact
                        else "HubSpot has no contact with its email."
                    )
                ),
                details={
                    "salesforce_type": person["type"],
                    "changed_since_sync": self._changed_since_sync(person.get("SystemModstamp")),
                },
            )
        )
        return unit
