"""The Activities page names each of the 18 types as SPEC §4 does, with its window and,
for the four read through HubSpot Enterprise's Events API, the note that says so."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.urls import reverse

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("connected")]

YEAR = "Form submissions from the year before turning it on"
MONTH = "Marketing email events from the 30 days before turning it on"
AFTER = "Only those after turning it on and after the contact first synced. Never retroactive."
ENTERPRISE = "needs HubSpot Enterprise (Events API)"

#: key -> (name on the page, window, read through the Events API)
TIMELINE_ROWS = {
    "form_submission": ("Form submission", YEAR, False),
    "marketing_email_sent": ("Marketing email sent", MONTH, False),
    "marketing_email_opened": ("Marketing email opened", MONTH, False),
    "marketing_email_clicked": ("Marketing email clicked", MONTH, False),
    "sales_email_sent": ("Sales email sent", AFTER, False),
    "sales_email_opened": ("Sales email opened", AFTER, True),
    "sales_email_clicked": ("Sales email clicked", AFTER, True),
    "sales_email_replied": ("Sales email replied", AFTER, False),
    "meeting_booked": ("Meeting booked", AFTER, False),
    "call_logged": ("Call logged", AFTER, False),
    "note_created": ("Note created", AFTER, False),
    "document_viewed": ("Sales content (document) viewed", AFTER, True),
    "task_created": ("Task created", AFTER, False),
    "integration_event": ("Integration event (installed app)", AFTER, True),
}
SALESFORCE_ROWS = {
    "sf_tasks": "Tasks",
    "sf_emails": "Emails",
    "sf_calls": "Calls",
    "sf_meetings": "Meetings",
}


def rows(web: Client) -> dict[str, BeautifulSoup]:
    response = web.get(reverse("activities"))
    assert response.status_code == 200
    page = BeautifulSoup(response.content, "html.parser")
    return {
        row["data-testid"].removeprefix("type-"): row
        for row in page.select('tr[data-testid^="type-"]')
    }


def name_of(row: BeautifulSoup) -> str:
    """The row's label, as a viewer reads it (followed by On/Off)."""
    header = BeautifulSoup(str(row.find("th")), "html.parser")
    for note in header.select('[data-testid="needs-enterprise"], .status'):
        note.extract()
    return header.get_text(" ", strip=True)


@pytest.mark.parametrize("key", TIMELINE_ROWS)
def test_each_timeline_type_is_named_with_its_window_and_enterprise_note(
    key: str, viewer_web
) -> None:
    name, window, enterprise = TIMELINE_ROWS[key]
    row = rows(viewer_web)[key]
    text = row.get_text(" ", strip=True)
    assert window in text
    assert (ENTERPRISE in text) is enterprise
    assert name_of(row) == name


def test_the_page_lists_the_18_types_and_nothing_else(viewer_web) -> None:
    assert set(rows(viewer_web)) == set(TIMELINE_ROWS) | set(SALESFORCE_ROWS)


@pytest.mark.parametrize("key", SALESFORCE_ROWS)
def test_each_salesforce_type_is_named(key: str, viewer_web) -> None:
    assert name_of(rows(viewer_web)[key]) == SALESFORCE_ROWS[key]
