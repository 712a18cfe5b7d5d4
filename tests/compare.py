"""Both sides compared after a sync, as an outsider reads them: what was lost, what was
duplicated. Every test that injects a vendor fault ends by asking these."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from integrations.models import ContactLink
from tests.sides import HubSpotSide, SalesforceSide


def hubspot_contacts(hubspot: HubSpotSide, *properties: str) -> list[dict]:
    """Every HubSpot contact, read page by page through the public API."""
    wanted = ",".join(("email", "phone", *properties))
    found, after = [], ""
    while True:
        answer = hubspot.call(
            "GET", f"/crm/v3/objects/contacts?limit=100&properties={wanted}{after}"
        )
        found += answer["results"]
        following = (answer.get("paging") or {}).get("next", {}).get("after")
        if not following:
            return found
        after = f"&after={following}"


def salesforce_people(salesforce: SalesforceSide) -> list[dict]:
    """Every Salesforce lead and contact."""
    return [
        *salesforce.query("SELECT Id, Email, Phone FROM Lead"),
        *salesforce.query("SELECT Id, Email, Phone FROM Contact"),
    ]


@dataclass
class Comparison:
    #: HubSpot contacts with an email that have no live Salesforce record with that email
    unlinked: list[str]
    #: extra Salesforce records per email (a second lead for the same person)
    duplicated: int

    @property
    def lost(self) -> int:
        return len(self.unlinked)


def contacts_compare(hubspot: HubSpotSide, salesforce: SalesforceSide) -> Comparison:
    people = {p["Id"]: p for p in salesforce_people(salesforce)}
    emails = Counter((p["Email"] or "").lower() for p in people.values() if p["Email"])
    links = {link.hubspot_id: link for link in ContactLink.objects.all()}
    unlinked = []
    for contact in hubspot_contacts(hubspot):
        email = (contact["properties"].get("email") or "").lower()
        if not email:
            continue
        link = links.get(contact["id"])
        person = people.get(link.salesforce_id) if link else None
        if person is None or (person["Email"] or "").lower() != email:
            unlinked.append(email)
    return Comparison(unlinked=unlinked, duplicated=sum(n - 1 for n in emails.values()))
