"""The sandbox org's metadata: objects, fields, picklists, and their describe shapes.

Only the objects and fields syncadmin touches, with the types, lengths and
flags Salesforce reports for them, so that validation (required fields, string
lengths, restricted picklists, create-only fields) behaves like a real org and
``describe`` gives the product its dropdown values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from integrations.sandbox.salesforce.ids import PREFIXES


@dataclass
class FieldDef:
    name: str
    type: str
    label: str
    length: int = 0
    nillable: bool = True
    createable: bool = True
    updateable: bool = True
    required: bool = False  # required on create (not nillable, no default)
    restricted: bool = False
    picklist: list[str] = field(default_factory=list)
    default: str | None = None
    reference_to: list[str] = field(default_factory=list)
    external_id: bool = False
    filterable: bool = True

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "label": self.label,
            "length": self.length,
            "byteLength": self.length * 3,
            "nillable": self.nillable,
            "createable": self.createable,
            "updateable": self.updateable,
            "defaultedOnCreate": self.default is not None or self.name in SYSTEM_DEFAULTED,
            "externalId": self.external_id,
            "idLookup": self.name == "Id" or self.external_id or self.name in ("Email", "Username"),
            "filterable": self.filterable,
            "sortable": self.type != "textarea",
            "unique": self.name in ("Id", "Username"),
            "custom": self.name.endswith("__c"),
            "calculated": False,
            "restrictedPicklist": self.restricted,
            "picklistValues": [
                {
                    "active": True,
                    "defaultValue": value == self.default,
                    "label": value,
                    "validFor": None,
                    "value": value,
                }
                for value in self.picklist
            ],
            "referenceTo": self.reference_to,
            "relationshipName": self.name[:-2] if self.type == "reference" else None,
            "soapType": SOAP_TYPES.get(self.type, "xsd:string"),
        }


SYSTEM_DEFAULTED = {"Id", "IsDeleted", "CreatedDate", "CreatedById", "LastModifiedDate"}
SOAP_TYPES = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "boolean": "xsd:boolean",
    "int": "xsd:int",
    "double": "xsd:double",
    "currency": "xsd:double",
    "percent": "xsd:double",
    "date": "xsd:date",
    "datetime": "xsd:dateTime",
}

TASK_TYPES = ["Call", "Email", "Meeting", "Other", "Marketing email", "Form submission", "Webinar"]
TASK_STATUSES = ["Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred"]
#: statuses that close a task (TaskStatus.IsClosed in a default org)
CLOSED_TASK_STATUSES = {"Completed"}
PRIORITIES = ["High", "Normal", "Low"]
TASK_SUBTYPES = ["Task", "Email", "ListEmail", "Cadence", "Call", "LinkedIn"]
LEAD_STATUSES = [
    "Open - Not Contacted",
    "Working - Contacted",
    "Closed - Converted",
    "Closed - Not Converted",
]
LEAD_SOURCES = ["Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"]
INDUSTRIES = ["Technology", "Finance", "Healthcare", "Retail", "Manufacturing", "Other"]


def _ro(name: str, ftype: str, label: str, **kw: Any) -> FieldDef:
    return FieldDef(name, ftype, label, createable=False, updateable=False, **kw)


def _system(owner: bool = True) -> list[FieldDef]:
    fields = [
        _ro("Id", "id", "Record ID", length=18, nillable=False),
        _ro("IsDeleted", "boolean", "Deleted", nillable=False),
        _ro("CreatedDate", "datetime", "Created Date", nillable=False),
        _ro("CreatedById", "reference", "Created By ID", length=18, reference_to=["User"]),
        _ro("LastModifiedDate", "datetime", "Last Modified Date", nillable=False),
        _ro(
            "LastModifiedById", "reference", "Last Modified By ID", length=18, reference_to=["User"]
        ),
        _ro("SystemModstamp", "datetime", "System Modstamp", nillable=False),
    ]
    if owner:
        fields.append(FieldDef("OwnerId", "reference", "Owner ID", 18, reference_to=["User"]))
    return fields


def _person() -> list[FieldDef]:
    return [
        FieldDef("FirstName", "string", "First Name", 40),
        FieldDef("LastName", "string", "Last Name", 80, nillable=False, required=True),
        _ro("Name", "string", "Full Name", length=121),
        FieldDef("Email", "email", "Email", 80),
        FieldDef("Phone", "phone", "Phone", 40),
        FieldDef("Title", "string", "Title", 128),
        FieldDef("LeadSource", "picklist", "Lead Source", 255, picklist=LEAD_SOURCES),
        FieldDef("Description", "textarea", "Description", 32000, filterable=False),
        FieldDef("Syncadmin_Id__c", "string", "syncadmin ID", 255, external_id=True),
    ]


def _activity() -> list[FieldDef]:
    return [
        FieldDef("Subject", "combobox", "Subject", 255),
        FieldDef("Type", "picklist", "Type", 255, picklist=TASK_TYPES),
        FieldDef("ActivityDate", "date", "Due Date Only"),
        FieldDef("WhoId", "reference", "Name ID", 18, reference_to=["Contact", "Lead"]),
        FieldDef("WhatId", "reference", "Related To ID", 18, reference_to=["Account"]),
        FieldDef("Description", "textarea", "Description", 32000, filterable=False),
        _ro("IsArchived", "boolean", "Archived", nillable=False),
        FieldDef("Syncadmin_Id__c", "string", "syncadmin ID", 255, external_id=True),
    ]


def _status_fields() -> list[FieldDef]:
    return _system(owner=False) + [
        _ro("MasterLabel", "string", "Master Label", length=255),
        _ro("ApiName", "string", "Api Name", length=255),
        _ro("SortOrder", "int", "Sort Order"),
        _ro("IsDefault", "boolean", "Is Default"),
    ]


#: picklist -> value object, rebuilt whenever the picklist changes
STATUS_OBJECTS = {
    ("Lead", "Status"): "LeadStatus",
    ("Task", "Status"): "TaskStatus",
    ("Task", "Priority"): "TaskPriority",
}


def build_schema() -> dict[str, dict[str, FieldDef]]:
    """Fresh metadata (picklists are per-emulator state: tests change them)."""
    objects: dict[str, list[FieldDef]] = {
        "Account": _system()
        + [
            FieldDef("Name", "string", "Account Name", 255, nillable=False, required=True),
            FieldDef("Industry", "picklist", "Industry", 255, picklist=INDUSTRIES),
            FieldDef("Website", "url", "Website", 255),
            FieldDef("BillingCountry", "string", "Billing Country", 80),
            FieldDef("Description", "textarea", "Account Description", 32000, filterable=False),
            FieldDef("Syncadmin_Id__c", "string", "syncadmin ID", 255, external_id=True),
        ],
        "Contact": _system()
        + _person()
        + [
            FieldDef("AccountId", "reference", "Account ID", 18, reference_to=["Account"]),
            FieldDef("MailingCountry", "string", "Mailing Country", 80),
        ],
        "Lead": _system()
        + _person()
        + [
            FieldDef("Company", "string", "Company", 255, nillable=False, required=True),
            FieldDef("Country", "string", "Country", 80),
            FieldDef(
                "Status",
                "picklist",
                "Status",
                255,
                nillable=False,
                restricted=True,
                picklist=LEAD_STATUSES,
                default="Open - Not Contacted",
            ),
            _ro("IsConverted", "boolean", "Converted", nillable=False),
            _ro(
                "ConvertedContactId",
                "reference",
                "Converted Contact ID",
                length=18,
                reference_to=["Contact"],
            ),
            _ro("ConvertedDate", "date", "Converted Date"),
            # a number of each kind: Bulk query CSV must come back as REST's JSON numbers
            FieldDef("AnnualRevenue", "currency", "Annual Revenue"),
            FieldDef("NumberOfEmployees", "int", "Employees"),
        ],
        "Task": _system()
        + _activity()
        + [
            FieldDef(
                "Status",
                "picklist",
                "Status",
                255,
                nillable=False,
                restricted=True,
                picklist=TASK_STATUSES,
                default="Not Started",
            ),
            FieldDef(
                "Priority",
                "picklist",
                "Priority",
                255,
                nillable=False,
                restricted=True,
                picklist=PRIORITIES,
                default="Normal",
            ),
            FieldDef(
                "TaskSubtype",
                "picklist",
                "Task Subtype",
                255,
                updateable=False,
                restricted=True,
                picklist=TASK_SUBTYPES,
            ),
            _ro("IsClosed", "boolean", "Closed", nillable=False),
            _ro("CompletedDateTime", "datetime", "Completed Date/Time"),
        ],
        "Event": _system()
        + _activity()
        + [
            FieldDef("StartDateTime", "datetime", "Start Date Time"),
            FieldDef("EndDateTime", "datetime", "End Date Time"),
            FieldDef("ActivityDateTime", "datetime", "Due Date Time"),
            FieldDef("DurationInMinutes", "int", "Duration"),
            FieldDef("IsAllDayEvent", "boolean", "All-Day Event", nillable=False),
            FieldDef("Location", "string", "Location", 255),
            FieldDef(
                "EventSubtype",
                "picklist",
                "Event Subtype",
                255,
                updateable=False,
                restricted=True,
                picklist=["Event"],
            ),
        ],
        "User": _system(owner=False)
        + [
            FieldDef("Username", "string", "Username", 80, nillable=False, required=True),
            FieldDef("FirstName", "string", "First Name", 40),
            FieldDef("LastName", "string", "Last Name", 80, nillable=False, required=True),
            _ro("Name", "string", "Full Name", length=121),
            FieldDef("Email", "email", "Email", 128, nillable=False, required=True),
            FieldDef("Alias", "string", "Alias", 8),
            FieldDef("IsActive", "boolean", "Active", nillable=False),
        ],
        "Organization": [
            _ro("Id", "id", "Organization ID", length=18, nillable=False),
            _ro("Name", "string", "Name", length=80),
            _ro("OrganizationType", "string", "Edition", length=40),
            _ro("IsSandbox", "boolean", "Is Sandbox"),
            _ro("InstanceName", "string", "Instance Name", length=5),
        ],
        # the org's picklist value objects: what clients read instead of hard-coding values
        "LeadStatus": _status_fields() + [_ro("IsConverted", "boolean", "Is Converted")],
        "TaskStatus": _status_fields() + [_ro("IsClosed", "boolean", "Is Closed")],
        "TaskPriority": _status_fields() + [_ro("IsHighPriority", "boolean", "Is High Priority")],
    }
    return {name: {f.name: f for f in fields} for name, fields in objects.items()}


#: objects syncadmin may not write through the REST API in the sandbox
READ_ONLY_OBJECTS = {"Organization", "LeadStatus", "TaskStatus", "TaskPriority"}

LABELS = {
    "Account": ("Account", "Accounts"),
    "Contact": ("Contact", "Contacts"),
    "Lead": ("Lead", "Leads"),
    "Task": ("Task", "Tasks"),
    "Event": ("Event", "Events"),
    "User": ("User", "Users"),
    "Organization": ("Organization", "Organizations"),
    "LeadStatus": ("Lead Status Value", "Lead Status Values"),
    "TaskStatus": ("Task Status Value", "Task Status Values"),
    "TaskPriority": ("Task Priority Value", "Task Priority Values"),
}


def sobject_summary(name: str, version: str) -> dict[str, Any]:
    """One entry of describeGlobal / the basic info of ``GET /sobjects/{Type}``."""
    label, plural = LABELS[name]
    writable = name not in READ_ONLY_OBJECTS
    base = f"/services/data/{version}/sobjects/{name}"
    return {
        "name": name,
        "label": label,
        "labelPlural": plural,
        "keyPrefix": PREFIXES[name],
        "custom": False,
        "createable": writable,
        "updateable": writable,
        "deletable": writable,
        "queryable": True,
        "retrieveable": True,
        "searchable": not writable,
        "urls": {
            "sobject": base,
            "describe": f"{base}/describe",
            "rowTemplate": f"{base}/{{ID}}",
        },
    }


def describe_sobject(name: str, fields: dict[str, FieldDef], version: str) -> dict[str, Any]:
    return {**sobject_summary(name, version), "fields": [f.describe() for f in fields.values()]}
