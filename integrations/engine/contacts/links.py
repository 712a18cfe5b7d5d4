"""One place that creates ``ContactLink`` rows: the pair of a HubSpot contact and the
Salesforce lead or contact that stands for it.

Every path that pairs two records (matched by email, created in Salesforce, adopted
after a lost answer, auto-created or imported in HubSpot) comes here, so a link
always has the same fields filled from the same sources. A batch of pairs is one
INSERT: on SQLite every statement of a worker's transaction holds the one write lock
the other workers wait for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError

from integrations.models import ContactLink
from integrations.vendor_time import vendor_time


@dataclass(frozen=True)
class NewLink:
    """A HubSpot ``record`` (as read or as written: its id, and the creation date and
    owner when it has them) paired with a Salesforce record.

    ``hubspot_values`` / ``salesforce_values`` are the mapped values both sides agree on
    now; ``hubspot_modified_at`` is the HubSpot modification time those values are from
    (left empty when the values are not the record's as read, so the next read compares
    them)."""

    record: dict[str, Any]
    salesforce_id: str
    salesforce_type: str
    email: str
    origin: str = ContactLink.Origin.SYNC
    hubspot_values: dict[str, str] | None = None
    salesforce_values: dict[str, str] | None = None
    hubspot_modified_at: datetime | None = None

    @property
    def hubspot_id(self) -> str:
        return str(self.record["id"])

    def row(self) -> ContactLink:
        props = self.record.get("properties") or {}
        return ContactLink(
            hubspot_id=self.hubspot_id,
            salesforce_id=self.salesforce_id,
            salesforce_type=self.salesforce_type,
            email=self.email,
            origin=self.origin,
            hubspot_created_at=vendor_time(props.get("createdate") or self.record.get("createdAt")),
            hubspot_owner_id=props.get("hubspot_owner_id") or "",
            hubspot_values=self.hubspot_values or {},
            salesforce_values=self.salesforce_values or {},
            hubspot_modified_at=self.hubspot_modified_at,
        )


def contact_links_create(new: Sequence[NewLink]) -> list[tuple[ContactLink, bool]]:
    """The link of each pair, in order, and whether this call made it: a contact already
    linked keeps its link (and a contact twice in ``new`` is linked by its first pair).

    Raises ``IntegrityError`` when a Salesforce record is already linked to another
    contact, as the unique index says."""
    ids = list(dict.fromkeys(n.hubspot_id for n in new))
    already = ContactLink.objects.filter(hubspot_id__in=ids)
    before = set(already.values_list("hubspot_id", flat=True))
    firsts = {n.hubspot_id: n for n in reversed(new)}
    rows = [firsts[i].row() for i in ids if i not in before]
    ContactLink.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    stored = {link.hubspot_id: link for link in already}
    made = {row.hubspot_id for row in rows}
    linked = []
    for pair in new:
        link = stored.get(pair.hubspot_id)
        if link is None:
            raise IntegrityError(
                f"Salesforce record {pair.salesforce_id} is already linked to another "
                f"HubSpot contact than {pair.hubspot_id}"
            )
        mine = pair.hubspot_id in made and link.salesforce_id == pair.salesforce_id
        made.discard(pair.hubspot_id)  # a second pair of the same contact did not make it
        linked.append((link, mine))
    return linked


def contact_link_create(**pair: Any) -> tuple[ContactLink, bool]:
    """One pair (``NewLink``'s fields): its link and whether this call made it."""
    return contact_links_create([NewLink(**pair)])[0]
