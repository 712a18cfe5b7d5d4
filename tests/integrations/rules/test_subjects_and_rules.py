"""SPEC §4b subjects for every timeline type, and the pure rules behind the engine."""

from datetime import UTC, datetime, timedelta

import pytest

from integrations.engine.activities.sync import Candidate
from integrations.models import ContactLink
from integrations.rules.activity_types import TIMELINE_BY_KEY
from integrations.rules.assigned_to import assigned_to
from integrations.rules.multi_contact import activity_contact
from integrations.rules.timeline_windows import in_window

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)

SUBJECTS = {
    "form_submission": "Submitted: Contact us",
    "marketing_email_sent": "Sent: Contact us",
    "marketing_email_opened": "Opened: Contact us",
    "marketing_email_clicked": "Clicked: Contact us",
    "sales_email_sent": "Sent email: Contact us",
    "sales_email_opened": "Opened: Contact us",
    "sales_email_clicked": "Clicked: Contact us",
    "sales_email_replied": "Replied: Contact us",
    "meeting_booked": "Meeting booked: Contact us",
    "call_logged": "Call: Contact us",
    "note_created": "Note: Contact us",
    "document_viewed": "Viewed document: Contact us",
    "task_created": "Contact us",
    "integration_event": "Contact us",
}


@pytest.mark.parametrize(("key", "subject"), SUBJECTS.items())
def test_every_type_gets_its_salesforce_subject(key: str, subject: str) -> None:
    candidate = Candidate(
        kind=TIMELINE_BY_KEY[key],
        source_key="x",
        occurred_at=NOW,
        name="Contact us",
        description="",
        contacts=[],
    )
    assert candidate.subject == subject


def test_subjects_fit_salesforce_255_characters() -> None:
    long = Candidate(
        kind=TIMELINE_BY_KEY["note_created"],
        source_key="x",
        occurred_at=NOW,
        name="n" * 400,
        description="",
        contacts=[],
    )
    assert len(long.subject) == 255


@pytest.mark.parametrize(
    ("key", "days_before", "syncs"),
    [
        ("marketing_email_opened", 29, True),
        ("marketing_email_opened", 31, False),
        ("form_submission", 364, True),
        ("form_submission", 366, False),
        ("note_created", 0.01, False),
        ("note_created", -0.01, True),
    ],
)
def test_window_edges(key: str, days_before: float, syncs: bool) -> None:
    occurred = NOW - timedelta(days=days_before)
    assert (
        in_window(
            TIMELINE_BY_KEY[key],
            occurred_at=occurred,
            enabled_at=NOW,
            contact_first_synced_at=NOW - timedelta(days=400),
        )
        is syncs
    )


def test_assigned_to_order() -> None:
    owners = {"1": "005A", "2": "005B"}
    common = {"owner_to_user": owners, "integration_user": "005I"}
    assert assigned_to(activity_owner="1", contact_owner="2", **common).user_id == "005A"
    assert assigned_to(activity_owner="9", contact_owner="2", **common).user_id == "005B"
    assert assigned_to(activity_owner="", contact_owner="9", **common).user_id == "005I"


def test_multi_contact_choice() -> None:
    def link(hubspot_id: str, created: datetime) -> ContactLink:
        return ContactLink(hubspot_id=hubspot_id, hubspot_created_at=created)

    newest = link("5", NOW - timedelta(days=1))
    assert activity_contact([link("9", NOW - timedelta(days=2)), newest]) is newest
    same_day = [link("7", NOW.replace(hour=1)), link("12", NOW.replace(hour=0))]
    assert activity_contact(same_day).hubspot_id == "12"
    assert activity_contact([]) is None
