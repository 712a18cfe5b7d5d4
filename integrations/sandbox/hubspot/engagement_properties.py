"""The engagement objects (notes, calls, emails, meetings, tasks): properties and association types.

HubSpot keeps engagements as CRM objects with the same record shape as
contacts (``{id, properties, createdAt, updatedAt, archived}``, every value a
string). The catalogues below hold the properties the public engagement guides
document (https://developers.hubspot.com/docs/api-reference/crm-notes-v3/guide
and its calls/emails/meetings/tasks siblings) plus the common ones every
object has; a write naming any other property is refused as HubSpot refuses it
(400, ``PROPERTY_DOESNT_EXIST``).
"""

from __future__ import annotations

from integrations.sandbox.hubspot.properties import PropertyDef

#: the object types served under /crm/v3/objects/{type}, in the order the docs list them
ENGAGEMENT_TYPES = ("notes", "calls", "emails", "meetings", "tasks")
#: HubSpot's object type ids (https://developers.hubspot.com/docs/guides/api/crm/understanding-the-crm,
#: "Object type IDs"): the v4 association paths accept them in place of names
OBJECT_TYPE_IDS = {
    "0-1": "contacts",
    "0-46": "notes",
    "0-48": "calls",
    "0-49": "emails",
    "0-47": "meetings",
    "0-27": "tasks",
}
#: singular and legacy spellings clients use in association paths
OBJECT_TYPE_ALIASES = {
    "contact": "contacts",
    "note": "notes",
    "call": "calls",
    "email": "emails",
    "meeting": "meetings",
    "task": "tasks",
    **OBJECT_TYPE_IDS,
}
#: HUBSPOT_DEFINED default (unlabeled) association type ids, per (from, to) pair. Source: the
#: official SDK's association-type table (hubspot-api-client, Hubspot::Helpers::AssociationType:
#: CALL_TO_CONTACT 194, EMAIL_TO_CONTACT 198, MEETING_TO_CONTACT 200, NOTE_TO_CONTACT 202,
#: TASK_TO_CONTACT 204 and the contact->engagement inverses one lower).
DEFAULT_ASSOCIATION_TYPE_IDS = {
    ("calls", "contacts"): 194,
    ("emails", "contacts"): 198,
    ("meetings", "contacts"): 200,
    ("notes", "contacts"): 202,
    ("tasks", "contacts"): 204,
    ("contacts", "calls"): 193,
    ("contacts", "emails"): 197,
    ("contacts", "meetings"): 199,
    ("contacts", "notes"): 201,
    ("contacts", "tasks"): 203,
}
#: type id -> (from, to), to tell which pair an inline ``associations`` entry means
ASSOCIATION_PAIR_BY_TYPE_ID = {v: k for k, v in DEFAULT_ASSOCIATION_TYPE_IDS.items()}

#: where an engagement came from (``hs_engagement_source``); API for writes through the API
ENGAGEMENT_SOURCES = (
    "API",
    "CRM_UI",
    "INTEGRATION",
    "SALESFORCE",
    "EMAIL_INTEGRATION",
    "MEETINGS",
    "SALES_EMAIL_EXTENSION",
    "SEQUENCES",
)


def _p(
    name: str, kind: str = "string", options: tuple[str, ...] = (), read_only: bool = False
) -> PropertyDef:
    field = {"datetime": "date", "number": "number", "enumeration": "select"}.get(kind, "text")
    return PropertyDef(
        name,
        name.replace("hs_", "").replace("_", " ").title(),
        kind,
        field,
        group="engagement",
        options=tuple((o, o.replace("_", " ").title()) for o in options),
        read_only=read_only,
    )


_COMMON = (
    _p("hs_timestamp", "datetime"),
    _p("hubspot_owner_id", "enumeration"),
    _p("hs_createdate", "datetime"),
    _p("hs_lastmodifieddate", "datetime", read_only=True),
    _p("hs_object_id", "number", read_only=True),
    _p("hs_engagement_source", "enumeration", ENGAGEMENT_SOURCES),
    _p("hs_engagement_source_id"),
    _p("hs_attachment_ids"),
)
_SPECIFIC: dict[str, tuple[PropertyDef, ...]] = {
    "notes": (_p("hs_note_body"),),
    "calls": (
        _p("hs_call_title"),
        _p("hs_call_body"),
        _p("hs_call_direction", "enumeration", ("INBOUND", "OUTBOUND")),
        _p("hs_call_duration", "number"),
        _p(
            "hs_call_status",
            "enumeration",
            (
                "BUSY",
                "CALLING_CRM_USER",
                "CANCELED",
                "COMPLETED",
                "CONNECTING",
                "FAILED",
                "IN_PROGRESS",
                "NO_ANSWER",
                "QUEUED",
                "RINGING",
            ),
        ),
        _p("hs_call_disposition"),
        _p("hs_call_from_number"),
        _p("hs_call_to_number"),
        _p("hs_call_recording_url"),
    ),
    "emails": (
        _p("hs_email_subject"),
        _p("hs_email_text"),
        _p("hs_email_html"),
        _p(
            "hs_email_direction",
            "enumeration",
            ("EMAIL", "INCOMING_EMAIL", "FORWARDED_EMAIL"),
        ),
        _p(
            "hs_email_status",
            "enumeration",
            ("BOUNCED", "FAILED", "SCHEDULED", "SENDING", "SENT"),
        ),
        _p("hs_email_headers"),
        _p("hs_email_from_email"),
        _p("hs_email_to_email"),
        _p("hs_email_thread_id"),
    ),
    "meetings": (
        _p("hs_meeting_title"),
        _p("hs_meeting_body"),
        _p("hs_internal_meeting_notes"),
        _p("hs_meeting_external_url"),
        _p("hs_meeting_location"),
        _p("hs_meeting_start_time", "datetime"),
        _p("hs_meeting_end_time", "datetime"),
        _p(
            "hs_meeting_outcome",
            "enumeration",
            ("SCHEDULED", "COMPLETED", "RESCHEDULED", "NO_SHOW", "CANCELED"),
        ),
        _p("hs_activity_type"),
    ),
    "tasks": (
        _p("hs_task_subject"),
        _p("hs_task_body"),
        _p(
            "hs_task_status",
            "enumeration",
            ("NOT_STARTED", "IN_PROGRESS", "WAITING", "COMPLETED", "DEFERRED"),
        ),
        _p("hs_task_priority", "enumeration", ("NONE", "LOW", "MEDIUM", "HIGH")),
        _p("hs_task_type", "enumeration", ("EMAIL", "CALL", "TODO", "LINKED_IN", "MEETING")),
        _p("hs_task_reminders"),
        _p("hs_queue_membership_ids"),
    ),
}
#: per engagement type: property name -> definition (what writes and search may name)
ENGAGEMENT_PROPERTIES: dict[str, dict[str, PropertyDef]] = {
    kind: {p.name: p for p in (*_COMMON, *_SPECIFIC[kind])} for kind in ENGAGEMENT_TYPES
}
#: returned on every read whatever was asked for (HubSpot's defaults for engagement objects)
ENGAGEMENT_DEFAULT_PROPERTIES = ("hs_createdate", "hs_lastmodifieddate", "hs_object_id")
#: set by the server, never by a client write (the control API may override them)
ENGAGEMENT_READ_ONLY = frozenset({"hs_lastmodifieddate", "hs_object_id", "hs_createdate"})
