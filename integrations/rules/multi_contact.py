"""SPEC §4b: an activity on several contacts becomes exactly one Salesforce task, on
the most recently *created* associated contact that has synced; when several were
created on the same day, the one with the highest HubSpot object id."""

from __future__ import annotations

from collections.abc import Iterable

from integrations.models import ContactLink


def activity_contact(links: Iterable[ContactLink]) -> ContactLink | None:
    """The one synced contact a multi-contact activity is attached to (None: none synced)."""
    links = list(links)
    candidates = [link for link in links if link.hubspot_created_at is not None]
    if not candidates:
        return max(links, key=lambda link: int(link.hubspot_id), default=None)
    return max(
        candidates,
        key=lambda link: (link.hubspot_created_at.date(), int(link.hubspot_id)),
    )
