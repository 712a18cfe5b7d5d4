"""An admin turns on "Marketing email opened" with a task type, runs Sync activities
now on a real worker, and finds the Salesforce task's subject in the audit log."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from integrations.pages.connections.services import connections_use_sandbox
from tests.browser.conftest import log_in
from tests.sides import HubSpotSide, SalesforceSide, person, run_sync
from tests.workers import QCluster

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(tmp_path):
    cluster = QCluster(tmp_path)
    yield cluster
    cluster.stop()


def test_marketing_email_opened_becomes_a_task_in_the_audit_log(
    page: Page, live_server, admin, sandbox, worker
):
    connections_use_sandbox(info=sandbox.info)
    hubspot, salesforce = HubSpotSide(sandbox), SalesforceSide(sandbox)
    hubspot.create_contacts(person("reader@example.com"))
    run_sync("all")
    opened = datetime.now(UTC) - timedelta(days=3)
    response = hubspot.http.post(
        f"{hubspot.base}/__sandbox__/activities",
        json=[
            {
                "type": "email_event",
                "campaign": "Autumn newsletter",
                "eventType": "OPEN",
                "recipient": "reader@example.com",
                "created": opened.strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        ],
        timeout=30,
    )
    response.raise_for_status()

    log_in(page, live_server.url, "alice")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Activities").click()
    row = page.get_by_test_id("type-marketing_email_opened")
    row.get_by_role("switch").check()
    row.get_by_label("Salesforce task type for Marketing email opened").select_option("Email")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status").first).to_be_visible()
    row = page.get_by_test_id("type-marketing_email_opened")
    expect(row).to_contain_text("since")
    expect(row.get_by_label("Salesforce task type for Marketing email opened")).to_have_value(
        "Email"
    )

    page.get_by_role("button", name="Sync activities now").click()
    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
    expect(page.get_by_test_id("job-status")).to_have_text("Succeeded", timeout=60_000)
    expect(page.get_by_test_id("created")).to_have_text("1")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()
    expect(page.get_by_text("Opened: Autumn newsletter").first).to_be_visible()
    [task] = salesforce.query("SELECT Subject, Type FROM Task WHERE Subject LIKE 'Opened:%'")
    assert (task["Subject"], task["Type"]) == ("Opened: Autumn newsletter", "Email")
