"""The activity types of SPEC §4: what each is called, where it is read, which time
window applies, and the Salesforce task subject it gets."""

from __future__ import annotations

from dataclasses import dataclass

#: SPEC §4b windows, measured from the moment the type was turned on
AFTER_TOGGLE = "after_toggle"  # ... and after the contact's first sync
THIRTY_DAYS_BEFORE = "30_days_before"
ONE_YEAR_BEFORE = "1_year_before"


@dataclass(frozen=True)
class TimelineType:
    """A HubSpot event type that becomes a Salesforce task."""

    key: str
    label: str
    window: str
    #: how it is read (the source each type is read from)
    source: str
    #: the source's own filter: email event type, CRM email direction, Events API name
    source_filter: str = ""
    #: readable only through HubSpot Enterprise's Events API
    needs_enterprise: bool = False
    #: Salesforce task subject, formatted with ``name`` (SPEC §4b table); a task created
    #: keeps its own subject, an integration event's name is already "<app>: <event>"
    subject: str = "{name}"


HUBSPOT_TO_SALESFORCE: tuple[TimelineType, ...] = (
    TimelineType(
        "form_submission", "Form submission", ONE_YEAR_BEFORE, "forms", subject="Submitted: {name}"
    ),
    TimelineType(
        "marketing_email_sent",
        "Marketing email sent",
        THIRTY_DAYS_BEFORE,
        "email_events",
        "SENT",
        subject="Sent: {name}",
    ),
    TimelineType(
        "marketing_email_opened",
        "Marketing email opened",
        THIRTY_DAYS_BEFORE,
        "email_events",
        "OPEN",
        subject="Opened: {name}",
    ),
    TimelineType(
        "marketing_email_clicked",
        "Marketing email clicked",
        THIRTY_DAYS_BEFORE,
        "email_events",
        "CLICK",
        subject="Clicked: {name}",
    ),
    TimelineType(
        "sales_email_sent",
        "Sales email sent",
        AFTER_TOGGLE,
        "crm_emails",
        "EMAIL",
        subject="Sent email: {name}",
    ),
    TimelineType(
        "sales_email_opened",
        "Sales email opened",
        AFTER_TOGGLE,
        "events",
        "e_sales_email_opened",
        needs_enterprise=True,
        subject="Opened: {name}",
    ),
    TimelineType(
        "sales_email_clicked",
        "Sales email clicked",
        AFTER_TOGGLE,
        "events",
        "e_sales_email_clicked",
        needs_enterprise=True,
        subject="Clicked: {name}",
    ),
    TimelineType(
        "sales_email_replied",
        "Sales email replied",
        AFTER_TOGGLE,
        "crm_emails",
        "INCOMING_EMAIL",
        subject="Replied: {name}",
    ),
    TimelineType(
        "meeting_booked",
        "Meeting booked",
        AFTER_TOGGLE,
        "crm",
        "meetings",
        subject="Meeting booked: {name}",
    ),
    TimelineType(
        "call_logged", "Call logged", AFTER_TOGGLE, "crm", "calls", subject="Call: {name}"
    ),
    TimelineType(
        "note_created", "Note created", AFTER_TOGGLE, "crm", "notes", subject="Note: {name}"
    ),
    TimelineType(
        "document_viewed",
        "Sales content (document) viewed",
        AFTER_TOGGLE,
        "events",
        "e_document_viewed",
        needs_enterprise=True,
        subject="Viewed document: {name}",
    ),
    TimelineType("task_created", "Task created", AFTER_TOGGLE, "crm", "tasks"),
    TimelineType(
        "integration_event",
        "Integration event (installed app)",
        AFTER_TOGGLE,
        "events",
        "e_integration_event",
        needs_enterprise=True,
    ),
)


@dataclass(frozen=True)
class SalesforceActivityType:
    """A Salesforce activity kind that becomes a HubSpot engagement."""

    key: str
    label: str
    sobject: str
    #: Task ``TaskSubtype`` values it covers (empty for Event)
    subtypes: tuple[str, ...]
    hubspot_object: str


SALESFORCE_TO_HUBSPOT: tuple[SalesforceActivityType, ...] = (
    SalesforceActivityType("sf_tasks", "Tasks", "Task", ("Task",), "tasks"),
    SalesforceActivityType("sf_emails", "Emails", "Task", ("Email", "ListEmail"), "emails"),
    SalesforceActivityType("sf_calls", "Calls", "Task", ("Call",), "calls"),
    SalesforceActivityType("sf_meetings", "Meetings", "Event", (), "meetings"),
)

TIMELINE_BY_KEY = {t.key: t for t in HUBSPOT_TO_SALESFORCE}
SALESFORCE_BY_KEY = {t.key: t for t in SALESFORCE_TO_HUBSPOT}
