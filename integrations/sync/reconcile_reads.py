"""Reconcile's live reads of both systems, through the job's clients.

The same endpoints and page sizes as the sync: HubSpot contacts by id through
CRM search (200 a page, keyset past the 10k cap), Salesforce leads and contacts
through SOQL (2,000 a page). Every call goes through the job's clients, so it
waits for the shared rate limits, spends the Salesforce API budget and is
counted on the job.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from integrations.models import PropertyMapping
from integrations.sync.contacts import HUBSPOT_SYSTEM_PROPERTIES, SALESFORCE_TYPES

#: called after each page: report the calls made so far, stop if cancelled
AfterPage = Callable[[], None]


def text(value: Any) -> str:
    return "" if value is None else str(value)


def email_of(value: Any) -> str:
    return text(value).strip().lower()


def short_id(salesforce_id: str) -> str:
    """A Salesforce id's 15-character form: its 18-character form names the same record."""
    return salesforce_id[:15]


@dataclass
class ContactSides:
    """Both systems' people as they are now."""

    #: HubSpot contact id -> record (``{"id", "properties"}``)
    hubspot: dict[str, dict[str, Any]]
    #: 15-character Salesforce id -> live lead or contact (``Id``, ``Email``, fields,
    #: ``type``); converted leads are not live
    salesforce: dict[str, dict[str, Any]]
    #: Salesforce object type -> the mappings whose field it has
    mappings: dict[str, list[PropertyMapping]]


def contact_sides_read(
    *, hubspot: Any, salesforce: Any, mappings: list[PropertyMapping], after_page: AfterPage
) -> ContactSides:
    properties = list(
        dict.fromkeys([*HUBSPOT_SYSTEM_PROPERTIES, *(m.hubspot_property for m in mappings)])
    )
    hubspot_records: dict[str, dict[str, Any]] = {}
    for page in hubspot.contacts_by_id(properties):
        for record in page:
            hubspot_records[str(record["id"])] = record
        after_page()
    people: dict[str, dict[str, Any]] = {}
    by_type: dict[str, list[PropertyMapping]] = {}
    for object_type in SALESFORCE_TYPES:
        existing = {f["name"] for f in salesforce.describe(object_type)["fields"]}
        typed = [m for m in mappings if m.salesforce_field in existing]
        by_type[object_type] = typed
        fields = list(dict.fromkeys(["Email", *(m.salesforce_field for m in typed)]))
        extra = ", IsConverted" if object_type == "Lead" else ""
        soql = (
            f"SELECT Id, {', '.join(fields)}, CreatedDate, SystemModstamp{extra} FROM {object_type}"
        )
        for count, record in enumerate(salesforce.query_iter(soql), start=1):
            if record.get("IsConverted"):
                continue
            record["type"] = object_type
            people[short_id(record["Id"])] = record
            if count % 2000 == 0:
                after_page()
        after_page()
    return ContactSides(hubspot=hubspot_records, salesforce=people, mappings=by_type)
