"""An admin presses Reconcile on Sync health, sees a planted finding with both sides'
values, presses Fix, and the finding is gone once the re-check ran."""

import re

import pytest
from playwright.sync_api import Page, expect

from core.models import SyncJob
from integrations.pages.connections.services import connections_use_sandbox
from tests.browser.conftest import log_in
from tests.integrations.engine.reconcile.conftest import HubSpotSide, person, run_sync
from tests.workers import QCluster, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(tmp_path):
    cluster = QCluster(tmp_path)
    yield cluster
    cluster.stop()


def test_reconcile_find_and_fix(page: Page, live_server, admin, sandbox, worker) -> None:
    connections_use_sandbox(info=sandbox.info)
    hubspot = HubSpotSide(sandbox)
    [bob] = hubspot.create_contacts(person("bob@example.com"))
    run_sync("all")
    hubspot.update_contact(bob, jobtitle="Chief Tester")

    log_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/health/")
    page.get_by_role("button", name="Reconcile", exact=True).click()
    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
    expect(page.get_by_test_id("job-status")).to_have_text("Partially failed", timeout=60_000)

    page.goto(f"{live_server.url}/health/")
    expect(page.get_by_test_id("finding-count-field_drift")).to_have_text("1")
    row = page.locator("tr", has_text="bob@example.com")
    expect(row).to_contain_text("Chief Tester")  # HubSpot's value, and the expected one
    expect(row).to_contain_text("jobtitle")
    row.get_by_role("button", name="Fix").click()
    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
    check = SyncJob.objects.filter(kind="reconcile").first()
    wait_for(lambda: SyncJob.objects.get(pk=check.pk).status == "succeeded", timeout=90)

    page.goto(f"{live_server.url}/health/")
    expect(page.get_by_test_id("reconcile-clean")).to_be_visible()
    expect(page.get_by_test_id("reconcile-total")).to_have_text("0 open findings")
