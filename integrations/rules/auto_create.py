"""SPEC §3.5 auto-create: which Salesforce leads/contacts create (or link to) their
HubSpot contact even outside the inclusion list.

A lead is covered by the leads setting, any other record (a contact) by the contacts
setting. It is covered while its setting is on and only when it was created at or
after the moment the setting was last turned on (``..._since``, reset by every turn
on): never retroactive, so records created before the setting was turned on, or
while it was off, are never auto-created.
"""

from __future__ import annotations

from datetime import datetime

from integrations.models import ContactSyncSettings


def auto_create_applies(
    settings: ContactSyncSettings, *, salesforce_type: str, created_at: datetime | None
) -> bool:
    """Whether a Salesforce record of ``salesforce_type`` created at ``created_at`` is
    auto-created in HubSpot (False when its creation time is unknown)."""
    if salesforce_type == "Lead":
        on, since = settings.auto_create_from_leads, settings.auto_create_from_leads_since
    else:
        on, since = settings.auto_create_from_contacts, settings.auto_create_from_contacts_since
    return bool(on and since and created_at and created_at >= since)
