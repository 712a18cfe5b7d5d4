"""One place that creates a ``ContactLink``: the pair of a HubSpot contact and the
Salesforce lead or contact that stands for it.

Every path that pairs two records (matched by email, created in Salesforce, adopted
after a lost answer, auto-created or imported in HubSpot) comes here, so a link
always has the same fields filled from the same sources.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from integrations.models import ContactLink
from integrations.vendor_time import vendor_time


def contact_link_create(
    *,
    record: dict[str, Any],
    salesforce_id: str,
    salesforce_type: str,
    email: str,
    origin: str = ContactLink.Origin.SYNC,
    hubspot_values: dict[str, str] | None = None,
    salesforce_values: dict[str, str] | None = None,
    hubspot_modified_at: datetime | None = None,
) -> tuple[ContactLink, bool]:
    """The link of the HubSpot ``record`` (as read or as written: its id, and the
    creation date and owner when it has them) to that Salesforce record; returns the
    link and whether it is new. A contact already linked keeps its link.

    ``hubspot_values`` / ``salesforce_values`` are the mapped values both sides agree
    on now; ``hubspot_modified_at`` is the HubSpot modification time those values are
    from (left empty when the values are not the record's as read, so the next read
    compares them)."""
    props = record.get("properties") or {}
    return ContactLink.objects.get_or_create(
        hubspot_id=str(record["id"]),
        defaults={
            "salesforce_id": salesforce_id,
            "salesforce_type": salesforce_type,
            "email": email,
            "origin": origin,
            "hubspot_created_at": vendor_time(props.get("createdate") or record.get("createdAt")),
            "hubspot_owner_id": props.get("hubspot_owner_id") or "",
            "hubspot_values": hubspot_values or {},
            "salesforce_values": salesforce_values or {},
            "hubspot_modified_at": hubspot_modified_at,
        },
    )
