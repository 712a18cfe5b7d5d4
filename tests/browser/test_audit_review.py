"""A person filters the audit log, opens a contact's history and exports the filter as CSV."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from core.models import AuditEvent
from core.services.audit import audit_record
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def events(admin) -> None:
    audit_record(
        action="record.created",
        object_type="contact",
        email="ada@example.com",
        hubspot_id="101",
        salesforce_id="003000000000001AAA",
        direction=AuditEvent.Direction.HUBSPOT_TO_SALESFORCE,
        changes=[{"field": "lastname", "before": None, "after": "Lovelace", "rule": "new"}],
    )
    audit_record(
        action="record.updated",
        object_type="contact",
        salesforce_id="003000000000001AAA",
        direction=AuditEvent.Direction.SALESFORCE_TO_HUBSPOT,
        status=AuditEvent.Status.FAILED,
        error_category="validation",
        message="FIELD_CUSTOM_VALIDATION_EXCEPTION: Phone must have 10 digits",
    )
    audit_record(
        action="record.updated",
        object_type="contact",
        email="grace@example.com",
        hubspot_id="202",
        direction=AuditEvent.Direction.HUBSPOT_TO_SALESFORCE,
    )
    audit_record(action="settings.changed", object_type="settings", actor=admin)


def test_filter_open_history_and_export(page: Page, live_server, admin, events) -> None:
    log_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/audit/")
    expect(page.locator("table.audit-table > tbody > tr")).to_have_count(4)

    page.get_by_label("Action").select_option("record.updated")
    page.get_by_label("Direction").select_option("hs_to_sf")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"action=record\.updated.*direction=hs_to_sf"))
    expect(page.locator("table.audit-table > tbody > tr")).to_have_count(1)
    expect(page.locator("table.audit-table")).to_contain_text("grace@example.com")

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export CSV").click()
    body = Path(download_info.value.path()).read_text(encoding="utf-8")
    exported = list(csv.DictReader(io.StringIO(body)))
    assert [(r["email"], r["action"], r["direction"]) for r in exported] == [
        ("grace@example.com", "record.updated", "hs_to_sf")
    ]

    page.goto(f"{live_server.url}/audit/?q=ADA@example.com")
    expect(page.locator("table.audit-table > tbody > tr")).to_have_count(1)
    page.get_by_role("link", name="History").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record history")
    # The failed update named only the Salesforce id; the history still finds it.
    expect(page.locator("table.audit-table > tbody > tr")).to_have_count(2)
    failed = page.locator("details", has_text="FIELD_CUSTOM_VALIDATION_EXCEPTION")
    failed.locator("summary").click()
    expect(failed.get_by_text("Validation / picklist:")).to_be_visible()
    created = page.locator("details", has_text="field change")
    created.locator("summary").click()
    expect(created.get_by_role("cell", name="Lovelace")).to_be_visible()
