"""The contact property catalogue and how values are stored.

HubSpot keeps every property value as a string (numbers, booleans and dates
too) and refuses writes to properties that do not exist. The catalogue mirrors
the shape of ``GET /crm/v3/properties/contacts`` (reference:
https://developers.hubspot.com/docs/api-reference/crm-properties-v3/core/get-crm-v3-properties-objectType).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

#: when HubSpot "created" its default properties (fixed, so responses are stable)
PROPERTIES_CREATED_AT = "2019-08-06T02:43:14.491Z"

LIFECYCLE_LABELS = {
    "subscriber": "Subscriber",
    "lead": "Lead",
    "marketingqualifiedlead": "Marketing Qualified Lead",
    "salesqualifiedlead": "Sales Qualified Lead",
    "opportunity": "Opportunity",
    "customer": "Customer",
    "evangelist": "Evangelist",
    "other": "Other",
}
LEAD_STATUSES = ("NEW", "OPEN", "IN_PROGRESS", "OPEN_DEAL", "UNQUALIFIED", "CONNECTED")


@dataclass(frozen=True)
class PropertyDef:
    name: str
    label: str
    type: str  # string, number, enumeration, bool, datetime, date
    field_type: str  # text, textarea, number, select, booleancheckbox, date, phonenumber
    group: str = "contactinformation"
    options: tuple[tuple[str, str], ...] = ()
    read_only: bool = False
    has_unique_value: bool = False
    external_options: bool = False

    def to_json(self, display_order: int, noun: str = "contact") -> dict[str, Any]:
        """The property as ``GET /crm/v3/properties/{objectType}`` lists it; ``noun`` is
        the record the description speaks of (contact, note, call, ...)."""
        return {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "fieldType": self.field_type,
            "description": f"The {noun}'s {self.label.lower()}",
            "groupName": self.group,
            "options": [
                {"label": label, "value": value, "displayOrder": i, "hidden": False}
                for i, (value, label) in enumerate(self.options)
            ],
            "displayOrder": display_order,
            "calculated": False,
            "externalOptions": self.external_options,
            "hasUniqueValue": self.has_unique_value,
            "hidden": False,
            "hubspotDefined": True,
            "formField": not self.read_only,
            "modificationMetadata": {
                "archivable": False,
                "readOnlyDefinition": True,
                "readOnlyValue": self.read_only,
            },
            "createdAt": PROPERTIES_CREATED_AT,
            "updatedAt": PROPERTIES_CREATED_AT,
            "archived": False,
        }


def _opts(values: tuple[str, ...], labels: dict[str, str] | None = None) -> tuple:
    return tuple((v, (labels or {}).get(v, v.replace("_", " ").title())) for v in values)


CONTACT_PROPERTIES: dict[str, PropertyDef] = {
    p.name: p
    for p in (
        PropertyDef("email", "Email", "string", "text", has_unique_value=True),
        PropertyDef("firstname", "First Name", "string", "text"),
        PropertyDef("lastname", "Last Name", "string", "text"),
        PropertyDef("company", "Company Name", "string", "text"),
        PropertyDef("phone", "Phone Number", "string", "phonenumber"),
        PropertyDef("mobilephone", "Mobile Phone Number", "string", "phonenumber"),
        PropertyDef("jobtitle", "Job Title", "string", "text"),
        PropertyDef("website", "Website URL", "string", "text"),
        PropertyDef("city", "City", "string", "text"),
        PropertyDef("country", "Country/Region", "string", "text"),
        PropertyDef(
            "lifecyclestage",
            "Lifecycle Stage",
            "enumeration",
            "radio",
            options=_opts(tuple(LIFECYCLE_LABELS), LIFECYCLE_LABELS),
        ),
        PropertyDef(
            "hs_lead_status", "Lead Status", "enumeration", "radio", options=_opts(LEAD_STATUSES)
        ),
        PropertyDef(
            "hubspot_owner_id",
            "Contact owner",
            "enumeration",
            "select",
            group="sales_properties",
            external_options=True,
        ),
        PropertyDef("hs_email_optout", "Unsubscribed from all email", "bool", "booleancheckbox"),
        PropertyDef("num_employees", "Number of Employees", "number", "number"),
        PropertyDef("annualrevenue", "Annual Revenue", "number", "number"),
        PropertyDef("createdate", "Create Date", "datetime", "date"),
        PropertyDef("lastmodifieddate", "Last Modified Date", "datetime", "date", read_only=True),
        PropertyDef(
            "hs_object_id", "Record ID", "number", "number", read_only=True, has_unique_value=True
        ),
    )
}
#: the properties a contact read returns when the caller asks for none in particular
DEFAULT_PROPERTIES = (
    "createdate",
    "email",
    "firstname",
    "hs_object_id",
    "lastmodifieddate",
    "lastname",
)
#: always returned, whatever was asked: the fields incremental readers rely on
ALWAYS_PROPERTIES = ("createdate", "email", "hs_object_id", "lastmodifieddate")
#: properties a client may use as ``idProperty``
UNIQUE_PROPERTIES = tuple(n for n, p in CONTACT_PROPERTIES.items() if p.has_unique_value)
#: properties a client cannot set (silently ignored, as HubSpot does on create)
READ_ONLY = frozenset(n for n, p in CONTACT_PROPERTIES.items() if p.read_only)


def iso(moment: datetime) -> str:
    """HubSpot's timestamp format: UTC, milliseconds, ``Z``."""
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def parse_moment(value: Any) -> datetime | None:
    """An epoch-ms number/string or an ISO-8601 string, as HubSpot accepts both for dates."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    try:
        if text.lstrip("-").isdigit():
            return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def as_string(value: Any) -> str:
    """How HubSpot stores a written value: always a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
