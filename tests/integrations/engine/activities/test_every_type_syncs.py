"""SPEC §4: each of the 14 HubSpot timeline types and the 4 Salesforce activity types,
synced end to end against the sandbox, once each: read from where that type lives,
written as the right Salesforce task / HubSpot engagement, and one of the same type
outside its window left alone.

Each test also seeds a look-alike of a *neighbouring* type (another email event, the
other email direction, another Task subtype): only the enabled type's own records go.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from integrations.models import ActivityLink
from tests.integrations.engine.activities.conftest import (
    enable,
    iso,
    now,
    run_activities,
    seed,
    tasks_of,
    timedelta,
)

pytestmark = pytest.mark.django_db

ANN = "ann@example.com"
Item = Callable[[dict[str, str], datetime, str], dict[str, Any]]


def form(contact: dict[str, str], when: datetime, name: str) -> dict[str, Any]:
    return {
        "type": "form_submission",
        "form": name,
        "email": contact["email"],
        "submittedAt": iso(when),
    }


def email_event(event_type: str) -> Item:
    def item(contact: dict[str, str], when: datetime, name: str) -> dict[str, Any]:
        return {
            "type": "email_event",
            "campaign": name,
            "eventType": event_type,
            "recipient": contact["email"],
            "created": iso(when),
        }

    return item


def crm_email(direction: str) -> Item:
    def item(contact: dict[str, str], when: datetime, name: str) -> dict[str, Any]:
        return {
            "type": "email",
            "properties": {
                "hs_timestamp": iso(when),
                "hs_email_direction": direction,
                "hs_email_subject": name,
                "hs_email_text": f"About {name}",
            },
            "contactIds": [contact["hubspot_id"]],
        }

    return item


def engagement(kind: str, label_property: str) -> Item:
    def item(contact: dict[str, str], when: datetime, name: str) -> dict[str, Any]:
        return {
            "type": kind,
            "properties": {"hs_timestamp": iso(when), label_property: name},
            "contactIds": [contact["hubspot_id"]],
        }

    return item


def events_api(event_type: str, **name_as: str) -> Item:
    """An Events API event; ``name_as``: the properties the test's name goes in."""

    def item(contact: dict[str, str], when: datetime, name: str) -> dict[str, Any]:
        properties = {prop: value.format(name=name) for prop, value in name_as.items()}
        return {
            "type": "event",
            "eventType": event_type,
            "contactId": contact["hubspot_id"],
            "occurredAt": iso(when),
            "properties": properties,
        }

    return item


@dataclass(frozen=True)
class Case:
    item: Item
    subject: str  # of the task made from a record named "Kickoff"
    #: how long before the toggle a record of this type may have happened and still sync
    reach_back: timedelta
    #: the same source, another type: must not become a task of this one
    neighbour: Item


NONE = timedelta(0)
MONTH = timedelta(days=30)
YEAR = timedelta(days=365)
SUBJECT = "hs_email_subject={name}"

CASES = {
    "form_submission": Case(form, "Submitted: Kickoff", YEAR, email_event("OPEN")),
    "marketing_email_sent": Case(
        email_event("SENT"), "Sent: Kickoff", MONTH, email_event("DELIVERED")
    ),
    "marketing_email_opened": Case(
        email_event("OPEN"), "Opened: Kickoff", MONTH, email_event("CLICK")
    ),
    "marketing_email_clicked": Case(
        email_event("CLICK"), "Clicked: Kickoff", MONTH, email_event("OPEN")
    ),
    "sales_email_sent": Case(
        crm_email("EMAIL"), "Sent email: Kickoff", NONE, crm_email("INCOMING_EMAIL")
    ),
    "sales_email_opened": Case(
        events_api("e_sales_email_opened", hs_email_subject="{name}"),
        "Opened: Kickoff",
        NONE,
        events_api("e_sales_email_clicked", hs_email_subject="{name}"),
    ),
    "sales_email_clicked": Case(
        events_api("e_sales_email_clicked", hs_email_subject="{name}"),
        "Clicked: Kickoff",
        NONE,
        events_api("e_sales_email_opened", hs_email_subject="{name}"),
    ),
    "sales_email_replied": Case(
        crm_email("INCOMING_EMAIL"), "Replied: Kickoff", NONE, crm_email("EMAIL")
    ),
    "meeting_booked": Case(
        engagement("meeting", "hs_meeting_title"),
        "Meeting booked: Kickoff",
        NONE,
        engagement("call", "hs_call_title"),
    ),
    "call_logged": Case(
        engagement("call", "hs_call_title"),
        "Call: Kickoff",
        NONE,
        engagement("meeting", "hs_meeting_title"),
    ),
    "note_created": Case(
        engagement("note", "hs_note_body"),
        "Note: Kickoff",
        NONE,
        engagement("task", "hs_task_subject"),
    ),
    "document_viewed": Case(
        events_api("e_document_viewed", hs_document_name="{name}"),
        "Viewed document: Kickoff",
        NONE,
        events_api("e_integration_event", hs_app_name="Zoom", hs_event_name="{name}"),
    ),
    "task_created": Case(
        engagement("task", "hs_task_subject"), "Kickoff", NONE, engagement("note", "hs_note_body")
    ),
    "integration_event": Case(
        events_api("e_integration_event", hs_app_name="Zoom", hs_event_name="{name}"),
        "Zoom: Kickoff",
        NONE,
        events_api("e_document_viewed", hs_document_name="{name}"),
    ),
}


def test_every_hubspot_type_has_a_case() -> None:
    from integrations.rules.activity_types import HUBSPOT_TO_SALESFORCE

    assert sorted(CASES) == sorted(kind.key for kind in HUBSPOT_TO_SALESFORCE)


@pytest.mark.parametrize("key", CASES)
def test_each_hubspot_type_becomes_its_salesforce_task_inside_its_window_only(
    key: str, hubspot, salesforce, synced
) -> None:
    case = CASES[key]
    link = synced[ANN]
    contact = {"email": ANN, "hubspot_id": link.hubspot_id}
    if case.reach_back:
        # history: inside the window (a day short of its edge) and outside it (a day past)
        seed(hubspot, case.item(contact, now() - case.reach_back + timedelta(days=1), "Kickoff"))
        seed(hubspot, case.item(contact, now() - case.reach_back - timedelta(days=1), "Too old"))
        enable(key, task_type="Email")
    else:
        # sales activities: the contact synced, then one before the toggle, one after
        seed(hubspot, case.item(contact, now() - timedelta(minutes=5), "Too old"))
        enable(key, task_type="Email")
        seed(hubspot, case.item(contact, now() + timedelta(seconds=1), "Kickoff"))
    seed(hubspot, case.neighbour(contact, now() + timedelta(seconds=1), "Neighbour"))

    job = run_activities()

    tasks = tasks_of(salesforce, link.salesforce_id)
    assert [(t["Subject"], t["Type"]) for t in tasks] == [(case.subject, "Email")]
    assert job.created == 1
    [activity] = ActivityLink.objects.filter(source="hubspot")
    assert activity.salesforce_id == tasks[0]["Id"]


# --- Salesforce -> HubSpot ---------------------------------------------------------------


@dataclass(frozen=True)
class SalesforceCase:
    key: str
    sobject: str
    subtype: str  # the Task's TaskSubtype ("" for an Event)
    hubspot_object: str
    subject_property: str
    #: a record of the same object another toggle covers: must not sync with this one
    neighbour_subtype: str


SALESFORCE_CASES = [
    SalesforceCase("sf_tasks", "Task", "Task", "tasks", "hs_task_subject", "Call"),
    SalesforceCase("sf_emails", "Task", "Email", "emails", "hs_email_subject", "Task"),
    SalesforceCase("sf_emails", "Task", "ListEmail", "emails", "hs_email_subject", "Call"),
    SalesforceCase("sf_calls", "Task", "Call", "calls", "hs_call_title", "Email"),
    SalesforceCase("sf_meetings", "Event", "", "meetings", "hs_meeting_title", "Task"),
]


def create_activity(salesforce, case: SalesforceCase, who: str, subject: str, subtype: str) -> str:
    if case.sobject == "Event" and not subtype:
        start = now() + timedelta(days=1)
        return salesforce.create(
            "Event",
            Subject=subject,
            WhoId=who,
            StartDateTime=iso(start),
            EndDateTime=iso(start + timedelta(minutes=30)),
        )
    return salesforce.create(
        "Task", Subject=subject, WhoId=who, TaskSubtype=subtype, Status="Completed"
    )


@pytest.mark.parametrize(
    "case", SALESFORCE_CASES, ids=[f"{c.key}-{c.subtype or c.sobject}" for c in SALESFORCE_CASES]
)
def test_each_salesforce_type_becomes_its_hubspot_engagement_after_its_toggle_only(
    case: SalesforceCase, hubspot, salesforce, synced
) -> None:
    link = synced[ANN]
    before = create_activity(
        salesforce, case, link.salesforce_id, "Before the toggle", case.subtype
    )
    enable(case.key)
    after = create_activity(salesforce, case, link.salesforce_id, "Quarterly review", case.subtype)
    neighbour = salesforce.create(
        "Task", Subject="Other kind", WhoId=link.salesforce_id, TaskSubtype=case.neighbour_subtype
    )

    run_activities()

    [synced_back] = ActivityLink.objects.filter(source="salesforce")
    assert synced_back.salesforce_id == after
    object_type, _, hubspot_id = synced_back.hubspot_id.partition(":")
    assert object_type == case.hubspot_object
    engagement = hubspot.call(
        "GET",
        f"/crm/v3/objects/{case.hubspot_object}/{hubspot_id}"
        f"?properties={case.subject_property}&associations=contacts",
    )
    assert engagement["properties"][case.subject_property] == "Quarterly review"
    contacts = engagement["associations"]["contacts"]["results"]
    assert [c["id"] for c in contacts] == [link.hubspot_id]
    linked = set(ActivityLink.objects.values_list("salesforce_id", flat=True))
    assert before not in linked and neighbour not in linked
