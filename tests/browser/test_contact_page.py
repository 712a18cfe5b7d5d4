"""An admin opens a contact's page from the audit log, after a real sync made a Salesforce
task from its HubSpot activity: the verdict, both sides' values per mapping, the task in
its history, links into both vendors, and *Sync this contact* running a job."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from core.models import SyncJob
from core.services.jobs import job_run
from integrations.engine.activities.jobs import activities_sync_start
from integrations.models import ContactLink, HubSpotConnection
from integrations.pages.connections.services import connections_test, connections_use_sandbox
from tests.browser.conftest import log_in
from tests.integrations.engine.activities.conftest import enable
from tests.sides import HubSpotSide, SalesforceSide, assert_job_status, person, run_sync
from tests.workers import QCluster

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUBJECT = "Opened: Autumn newsletter"


@pytest.fixture
def worker(tmp_path):
    cluster = QCluster(tmp_path)
    yield cluster
    cluster.stop()


def synced_with_a_task(sandbox) -> ContactLink:
    """A contact synced to Salesforce, and its HubSpot email open made into a task."""
    connections_use_sandbox(info=sandbox.info)
    assert connections_test().ok  # learns the portal id the HubSpot link is built from
    hubspot = HubSpotSide(sandbox)
    hubspot.create_contacts(person("reader@example.com", jobtitle="Editor"))
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
    enable("marketing_email_opened", task_type="Email")
    job, _ = activities_sync_start()
    assert_job_status(job_run(job_id=job.pk), SyncJob.Status.SUCCEEDED)
    return ContactLink.objects.get(email="reader@example.com")


def test_the_contact_page_from_the_audit_log(page: Page, live_server, admin, sandbox, worker):
    link = synced_with_a_task(sandbox)
    [task] = SalesforceSide(sandbox).query(
        f"SELECT Id, WhoId FROM Task WHERE Subject = '{SUBJECT}'"
    )
    assert task["WhoId"] == link.salesforce_id

    log_in(page, live_server.url, "alice")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()
    row = page.get_by_test_id("audit-row").filter(has_text=SUBJECT).first
    expect(row.get_by_test_id("audit-action")).to_have_text("Activity created")
    row.get_by_role("link", name=f"Contact page of HubSpot contact {link.hubspot_id}").click()
    expect(page).to_have_url(re.compile(rf"/contacts/c/{link.hubspot_id}/$"))

    expect(page.get_by_test_id("contact-name")).to_have_text("reader@example.com")
    expect(page.get_by_test_id("explain-verdict")).to_have_text("Syncs")
    title = page.get_by_test_id("mapping-jobtitle")
    expect(title.get_by_test_id("hubspot-value")).to_have_text("Editor")
    expect(title.get_by_test_id("salesforce-value")).to_have_text("Editor")
    expect(title).to_contain_text("Title")
    expect(page.get_by_test_id("mapping-company")).to_contain_text("Prefer Salesforce unless blank")
    expect(page.get_by_test_id("values-read")).to_contain_text("as of the last sync")
    history = page.get_by_role("region", name="History")
    expect(history.get_by_test_id("audit-row").filter(has_text=SUBJECT)).to_have_count(1)
    expect(history.get_by_test_id("audit-row").filter(has_text="Record created")).to_have_count(1)

    portal = sandbox.info["hubspot"]["portal_id"]
    hubspot_base = HubSpotConnection.load().base_url.rstrip("/")
    instance = sandbox.info["salesforce"]["instance_url"].rstrip("/")
    expect(page.get_by_role("link", name="Open in HubSpot")).to_have_attribute(
        "href", f"{hubspot_base}/contacts/{portal}/record/0-1/{link.hubspot_id}"
    )
    expect(page.get_by_role("link", name="Open in Salesforce")).to_have_attribute(
        "href", f"{instance}/{link.salesforce_id}"
    )

    page.get_by_role("button", name="Sync this contact").click()
    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
    expect(page.get_by_test_id("job-status")).to_have_text("Succeeded", timeout=60_000)
    job = SyncJob.objects.latest("pk")
    assert job.params == {"mode": "one", "contact": "reader@example.com"}
