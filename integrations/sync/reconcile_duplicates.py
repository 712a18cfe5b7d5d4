"""Reconcile, duplicates: one person held twice.

- Salesforce leads/contacts sharing an email (the sync matches by email, so a
  second record with the same email is one it will never link: someone created
  it by hand, an import, a web-to-lead form ...);
- HubSpot contacts linked to the same Salesforce record (its 15- and
  18-character ids name the same record).

Nothing is merged automatically: which record survives is a person's call. The
finding lists every record and says which one the sync links.
"""

from __future__ import annotations

from collections.abc import Iterable

from integrations.models import ContactLink
from integrations.sync.reconcile_findings import Compared, Found, Kind
from integrations.sync.reconcile_reads import ContactSides, email_of, short_id


def duplicates_compare(
    *, sides: ContactSides, links: Iterable[ContactLink], units: dict[str, Compared]
) -> list[Found]:
    """The duplicates, each also added to the compared records it involves."""
    links = list(links)
    linked_by_salesforce = {short_id(link.salesforce_id): link for link in links}
    found = []
    by_email: dict[str, list[dict]] = {}
    for person in sides.salesforce.values():
        email = email_of(person.get("Email"))
        if email:
            by_email.setdefault(email, []).append(person)
    for email, people in sorted(by_email.items()):
        if len(people) < 2:
            continue
        people.sort(key=lambda p: (p.get("CreatedDate") or "", p["Id"]))
        records = []
        for person in people:
            link = linked_by_salesforce.get(short_id(person["Id"]))
            records.append(
                {
                    "side": "Salesforce",
                    "id": person["Id"],
                    "type": person["type"],
                    "created": person.get("CreatedDate") or "",
                    "linked_hubspot_id": link.hubspot_id if link else "",
                }
            )
        linked = [r for r in records if r["linked_hubspot_id"]]
        described = ", ".join(
            f"{r['type'].lower()} {r['id']}"
            + (f" (linked to HubSpot {r['linked_hubspot_id']})" if r["linked_hubspot_id"] else "")
            for r in records
        )
        item = Found(
            kind=Kind.DUPLICATE,
            record_key=f"email:{email}",
            email=email,
            salesforce_id=linked[0]["id"] if linked else "",
            hubspot_id=linked[0]["linked_hubspot_id"] if linked else "",
            salesforce_value=", ".join(r["id"] for r in records),
            message=f"{len(records)} Salesforce records share this email: {described}. "
            "Merge them in Salesforce (keep the linked one); the next Reconcile clears this.",
            details={"records": records, "linked": linked[0]["id"] if linked else ""},
        )
        found.append(item)
        involved = [units.get(f"sf:{r['id']}") for r in records if not r["linked_hubspot_id"]]
        if not any(involved):
            involved = [units.get(f"hs:{r['linked_hubspot_id']}") for r in linked]
        for unit in filter(None, involved):
            unit.findings.append(item)
    by_record: dict[str, list[ContactLink]] = {}
    for link in links:
        by_record.setdefault(short_id(link.salesforce_id), []).append(link)
    for key, same in sorted(by_record.items()):
        if len(same) < 2:
            continue
        item = Found(
            kind=Kind.DUPLICATE,
            record_key=f"sf:{key}",
            salesforce_id=same[0].salesforce_id,
            email=same[0].email,
            hubspot_value=", ".join(link.hubspot_id for link in same),
            message=f"{len(same)} HubSpot contacts are linked to the same Salesforce "
            f"{same[0].salesforce_type.lower()} {same[0].salesforce_id}: "
            + ", ".join(f"{link.hubspot_id} ({link.email})" for link in same)
            + ". Merge the HubSpot contacts; the next Reconcile clears this.",
            details={
                "records": [
                    {
                        "side": "HubSpot",
                        "id": link.hubspot_id,
                        "email": link.email,
                        "linked_salesforce_id": link.salesforce_id,
                    }
                    for link in same
                ],
                "linked": same[0].salesforce_id,
            },
        )
        found.append(item)
        for link in same:
            unit = units.get(f"hs:{link.hubspot_id}")
            if unit is not None:
                unit.findings.append(item)
    return found
