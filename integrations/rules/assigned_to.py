"""SPEC §4b "Assigned To" (Salesforce ``OwnerId``) of a task made from a HubSpot activity:

1. the activity's owner, if it has one and that owner is mapped to a Salesforce user;
2. else the contact's owner, if mapped;
3. else the integration user.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Assignment:
    user_id: str
    reason: str


def assigned_to(
    *,
    activity_owner: str | None,
    contact_owner: str | None,
    owner_to_user: Mapping[str, str],
    integration_user: str,
) -> Assignment:
    if activity_owner and owner_to_user.get(str(activity_owner)):
        return Assignment(owner_to_user[str(activity_owner)], "activity owner")
    if contact_owner and owner_to_user.get(str(contact_owner)):
        return Assignment(owner_to_user[str(contact_owner)], "contact owner")
    return Assignment(integration_user, "integration user")
