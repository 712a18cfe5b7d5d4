"""Reconcile, duplicates: one person held twice.

- Salesforce leads/contacts sharing an email (the sync matches by email, so a
  second record with the same email is one it will never link: someone created
  it by hand, an import, a web-to-lead form ...);
- HubSpot contacts linked to the same Salesforce record (its 15- and
  18-character ids name the same record).

Nothing is merged automatically: which record survives is a person's call. The
finding lists every record and says which one the sync links. Found with a GROUP BY
on the staged Salesforce records and on the links, so only the duplicates are read.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Q
from django.db.models.functions import Substr

from integrations.engine.reconcile.findings import Found, Kind
from integrations.engine.reconcile.reads import Side, salesforce_person, short_id, snapshot
from integrations.models import ContactLink


def links_of_salesforce(ids: list[str]) -> dict[str, ContactLink]:
    """The links claiming these Salesforce records, by 15-character id (a link may hold
    either form of the id)."""
    shorts = [short_id(i) for i in ids]
    return {
        short_id(link.salesforce_id): link
        for link in ContactLink.objects.filter(
            Q(salesforce_id__in=ids) | Q(salesforce_id__in=shorts)
        ).order_by("pk")
    }


def duplicates_compare(*, job_id: int) -> dict[str, list[Found]]:
    """The duplicates, by the key of each compared record they are reported on
    (``sf:<id>`` of the unlinked records sharing an email, else ``hs:<id>`` of the
    linked ones; ``hs:<id>`` of the HubSpot contacts sharing a Salesforce record)."""
    on: dict[str, list[Found]] = defaultdict(list)
    people = snapshot(job_id, Side.SALESFORCE).exclude(email="")
    shared = people.values("email").annotate(n=Count("pk")).filter(n__gte=2).values("email")
    by_email: dict[str, list[dict]] = defaultdict(list)
    for row in people.filter(email__in=shared).order_by("pk"):
        by_email[row.email].append(salesforce_person(row))
    linked_by_salesforce = links_of_salesforce(
        [p["Id"] for same in by_email.values() for p in same]
    )
    for email, same in sorted(by_email.items()):
        same.sort(key=lambda p: (p.get("CreatedDate") or "", p["Id"]))
        records = []
        for person in same:
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
        # every unlinked record and every link is a record compared
        involved = [f"sf:{r['id']}" for r in records if not r["linked_hubspot_id"]] or [
            f"hs:{r['linked_hubspot_id']}" for r in linked
        ]
        for key in involved:
            on[key].append(item)
    links = ContactLink.objects.annotate(record=Substr("salesforce_id", 1, 15))
    twice = links.values("record").annotate(n=Count("pk")).filter(n__gte=2).values("record")
    by_record: dict[str, list[ContactLink]] = defaultdict(list)
    for link in links.filter(record__in=twice).order_by("pk"):
        by_record[link.record].append(link)
    for key, same in sorted(by_record.items()):
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
        for link in same:
            on[f"hs:{link.hubspot_id}"].append(item)
    return on
