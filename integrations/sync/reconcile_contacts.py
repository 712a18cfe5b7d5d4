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

from collections.abc import Iterable
from datetime import datetime

from integrations.models import ContactLink, ContactSyncSettings, PropertyMapping, RecordError
from integrations.sync.inclusion import InclusionGate
from integrations.sync.mapping_rules import decide_field
from integrations.sync.reconcile_findings import Compared, Found, Kind
from integrations.sync.reconcile_reads import ContactSides, email_of, short_id, text
from integrations.vendor_time import vendor_time


def _describe(person: dict) -> str:
    return f"{person['type'].lower()} {person['Id']}"


class ContactsCompare:
    """One comparison of every contact; ``units`` are keyed ``hs:<id>`` / ``sf:<id>``."""

    def __init__(
        self,
        *,
        sides: ContactSides,
        links: Iterable[ContactLink],
        gate: InclusionGate,
        settings: ContactSyncSettings,
        last_sync_at: datetime | None,
    ) -> None:
        self.sides = sides
        self.links = list(links)
        self.gate = gate
        self.settings = settings
        self.last_sync_at = last_sync_at
        self.units: dict[str, Compared] = {}
        self.hubspot_by_email = {
            email_of(r["properties"].get("email")): r for r in sides.hubspot.values()
        }
        self.salesforce_by_email: dict[str, list[dict]] = {}
        for person in sides.salesforce.values():
            if email_of(person.get("Email")):
                self.salesforce_by_email.setdefault(email_of(person["Email"]), []).append(person)
        self.linked_salesforce = {short_id(link.salesforce_id) for link in self.links}
        self.errors = dict(
            RecordError.objects.filter(object_type="contact").values_list("record_key", "message")
        )

    def run(self) -> dict[str, Compared]:
        by_hubspot = {link.hubspot_id: link for link in self.links}
        eligible = set()
        for hubspot_id, record in self.sides.hubspot.items():
            if email_of(record["properties"].get("email")) and self.gate.allows(hubspot_id):
                eligible.add(hubspot_id)
                self._eligible(record, by_hubspot.get(hubspot_id))
        for link in self.links:
            if link.hubspot_id not in eligible:
                self._not_eligible(link)
        for key, person in self.sides.salesforce.items():
            if key not in self.linked_salesforce and email_of(person.get("Email")):
                self._unlinked_salesforce(person)
        return self.units

    # --- one unit per record ----------------------------------------------------------
    def _unit(
        self, key: str, *, email: str, hubspot_id: str = "", salesforce_id: str = ""
    ) -> Compared:
        unit = Compared(
            key=key,
            object_type="contact",
            label=email,
            email=email,
            hubspot_id=hubspot_id,
            salesforce_id=salesforce_id,
        )
        self.units[key] = unit
        return unit

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

    def _missing_in_salesforce(self, record: dict, email: str) -> Found:
        same_email = self.salesforce_by_email.get(email, [])
        if same_email:
            named = ", ".join(_describe(p) for p in same_email)
            message = (
                f"Not linked to any Salesforce record, though Salesforce has {named} with "
                "this email."
            )
        else:
            message = "No Salesforce lead or contact has this email, and no link exists."
        error = self.errors.get(f"hs:{record['id']}")
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
        for mapping in self.sides.mappings.get(person["type"], []):
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

    def _not_eligible(self, link: ContactLink) -> None:
        """A link whose contact is not eligible (left the list, lost its email, or gone):
        its values do not sync, but both its records must still exist."""
        record = self.sides.hubspot.get(link.hubspot_id)
        person = self.sides.salesforce.get(short_id(link.salesforce_id))
        email = email_of(record["properties"].get("email")) if record else link.email
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

    def _auto_create_applies(self, person: dict) -> bool:
        settings = self.settings
        if person["type"] == "Lead":
            on, since = settings.auto_create_from_leads, settings.auto_create_from_leads_since
        else:
            on, since = settings.auto_create_from_contacts, settings.auto_create_from_contacts_since
        created = vendor_time(person.get("CreatedDate"))
        return bool(on and since and created and created >= since)

    def _unlinked_salesforce(self, person: dict) -> None:
        """A live lead/contact no link claims: compared for duplicates (elsewhere) and, when
        the auto-create setting covers it, for its HubSpot contact."""
        email = email_of(person["Email"])
        unit = self._unit(f"sf:{person['Id']}", email=email, salesforce_id=person["Id"])
        if not self._auto_create_applies(person):
            return
        contact = self.hubspot_by_email.get(email)
        if contact is not None and f"hs:{contact['id']}" in self.units:
            return  # an eligible HubSpot contact: reported there, as not linked
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
