"""``POST /__sandbox__/activities``: seed activities at arbitrary past times, for tests and demos.

The public API cannot backdate anything (HubSpot stamps writes with "now"),
yet syncadmin's time windows (SPEC §4b: 30 days for marketing email, one year
for form submissions, "after the toggle" for the rest) need history. The body
is a list of items (or ``{"items": [...]}``); each answer row carries the ids
created, in input order. Timestamps are epoch ms or ISO 8601.

Item kinds (``type``):

- ``form_submission``: ``form`` (name or guid; a hubspot form of that name is
  created when missing), ``email``, ``submittedAt``, optional ``values``
  (``{name: value}``) and ``pageUrl`` -> ``{conversionId, formGuid}``.
- ``email_event``: ``campaign`` (name or id; created when missing, optional
  ``subject``), ``eventType`` SENT/OPEN/CLICK/..., ``recipient``, ``created``
  -> ``{id, emailCampaignId}``.
- ``event``: Events API ``eventType`` (see ``activities.EVENT_TYPES``),
  ``contactId`` or ``email``, ``occurredAt``, ``properties`` -> ``{id}``.
- ``note`` | ``call`` | ``email`` | ``meeting`` | ``task`` (or ``engagement``
  with ``objectType``): ``properties`` (``hs_timestamp`` required;
  ``hs_createdate`` and ``hs_lastmodifieddate`` may be set to past times),
  ``contactIds``, ``ownerId``, ``source`` (``hs_engagement_source``, default
  CRM_UI) -> ``{id, objectType}``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from integrations.sandbox.emulator import VendorError
from integrations.sandbox.hubspot.activities import EMAIL_EVENT_TYPES, epoch_ms
from integrations.sandbox.hubspot.engagement_properties import ENGAGEMENT_TYPES, OBJECT_TYPE_ALIASES
from integrations.sandbox.hubspot.properties import parse_moment

if TYPE_CHECKING:
    from integrations.sandbox.hubspot.app import HubSpotEmulator


def _ms(item: dict[str, Any], key: str) -> int:
    moment = parse_moment(item.get(key))
    if moment is None:
        raise ValueError(f"{key} must be a timestamp (epoch ms or ISO 8601), got {item.get(key)!r}")
    return epoch_ms(moment)


def _form(emulator: HubSpotEmulator, key: str) -> dict[str, Any]:
    if key in emulator.forms:
        return emulator.forms[key]
    for form in emulator.forms.values():
        if form["name"] == key:
            return form
    return emulator.add_form(key)


def _campaign(emulator: HubSpotEmulator, key: Any, subject: str | None) -> dict[str, Any]:
    if str(key).isdigit() and int(key) in emulator.email_campaigns:
        return emulator.email_campaigns[int(key)]
    for campaign in emulator.email_campaigns.values():
        if campaign["name"] == key:
            return campaign
    return emulator.add_campaign(str(key), subject or str(key))


def seed_item(emulator: HubSpotEmulator, item: dict[str, Any]) -> dict[str, Any]:
    """Create one activity; ``ValueError`` says what is wrong with the item."""
    kind = item.get("type")
    if kind == "form_submission":
        form = _form(emulator, str(item["form"]))
        email = str(item["email"])
        values = [{"name": "email", "value": email, "objectTypeId": "0-1"}]
        values += [
            {"name": str(n), "value": str(v), "objectTypeId": "0-1"}
            for n, v in (item.get("values") or {}).items()
            if n != "email"
        ]
        page_url = str(item.get("pageUrl") or "https://www.example.com/contact")
        conversion = emulator.add_submission(form["id"], _ms(item, "submittedAt"), values, page_url)
        return {"type": kind, "conversionId": conversion, "formGuid": form["id"]}
    if kind == "email_event":
        event_type = str(item.get("eventType") or item.get("eventtype") or "SENT").upper()
        if event_type not in EMAIL_EVENT_TYPES:
            raise ValueError(f"eventType must be one of {EMAIL_EVENT_TYPES}")
        campaign = _campaign(emulator, item["campaign"], item.get("subject"))
        event_id = emulator.add_email_event(
            campaign["id"],
            event_type,
            str(item["recipient"]),
            _ms(item, "created"),
            url=item.get("url"),
        )
        return {"type": kind, "id": event_id, "emailCampaignId": campaign["id"]}
    if kind == "event":
        contact_id = item.get("contactId")
        if contact_id is None and item.get("email"):
            contact_id = emulator.contact_id_by_email.get(str(item["email"]).lower())
        if contact_id is None:
            raise ValueError("an event needs contactId (or the email of an existing contact)")
        event_id = emulator.add_timeline_event(
            str(item["eventType"]),
            str(contact_id),
            _ms(item, "occurredAt"),
            item.get("properties") or {},
        )
        return {"type": kind, "id": event_id}
    object_type = item.get("objectType") if kind == "engagement" else kind
    object_type = OBJECT_TYPE_ALIASES.get(str(object_type), str(object_type))
    if object_type not in ENGAGEMENT_TYPES:
        raise ValueError(
            f"unknown item type {kind!r}: form_submission, email_event, event, "
            "note, call, email, meeting, task or engagement"
        )
    properties = dict(item.get("properties") or {})
    if item.get("ownerId") is not None:
        properties["hubspot_owner_id"] = str(item["ownerId"])
    associations = [
        {
            "to": {"id": str(c)},
            "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": t}],
        }
        for c in item.get("contactIds") or []
        for t in [_default_type(object_type)]
    ]
    try:
        record = emulator.write_engagement(
            object_type,
            None,
            properties,
            associations=associations,
            source=str(item.get("source") or "CRM_UI"),
            trusted=True,
        )
    except VendorError as exc:
        raise ValueError((exc.body or {}).get("message", "invalid engagement")) from None
    return {"type": kind, "id": record["id"], "objectType": object_type}


def _default_type(object_type: str) -> int:
    from integrations.sandbox.hubspot.engagement_properties import DEFAULT_ASSOCIATION_TYPE_IDS

    return DEFAULT_ASSOCIATION_TYPE_IDS[(object_type, "contacts")]


def seed_items(emulator: HubSpotEmulator, items: list[Any]) -> list[dict[str, Any]]:
    """Create every item (all or nothing is not promised: items before a bad one stay)."""
    results = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise ValueError(f"items[{index}] must be an object")
        try:
            results.append(seed_item(emulator, item))
        except KeyError as exc:
            raise ValueError(f"items[{index}] is missing {exc}") from None
        except ValueError as exc:
            raise ValueError(f"items[{index}]: {exc}") from None
    return results
