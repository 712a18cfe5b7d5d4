"""An admin picks an inclusion list, sees that nothing synced, presses Sync now,
and watches a real worker sync the members, with the audit entries on the job page."""

import re

import pytest
from playwright.sync_api import Page, expect

from integrations.pages.connections.services import connections_use_sandbox
from tests.browser.conftest import log_in
from tests.integrations.engine.contacts.conftest import HubSpotSide, SalesforceSide, person
from tests.workers import QCluster

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(tmp_path):
    cluster = QCluster(tmp_path)
    yield cluster
    cluster.stop()


def test_pick_a_list_nothing_syncs_then_sync_now(page: Page, live_server, admin, sandbox, worker):
    connections_use_sandbox(info=sandbox.info)
    hubspot, salesforce = HubSpotSide(sandbox), SalesforceSide(sandbox)
    hubspot.create_contacts(person("vip@example.com", jobtitle="VIP"), person("no@example.com"))
    vips = hubspot.create_list("VIPs", jobtitle="VIP")

    log_in(page, live_server.url, "alice")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Contacts").click()
    page.get_by_label("Search active lists").fill("VIP")
    expect(page.get_by_label("Inclusion list")).to_contain_text("VIPs")
    page.get_by_label("Inclusion list").select_option(value=vips)
    page.get_by_role("button", name="Preview the change").click()
    expect(page.get_by_test_id("would-stop")).to_have_text("1")
    page.get_by_role("button", name="Save inclusion list").click()
    expect(page.get_by_test_id("confirm-stop")).to_have_text("1")
    page.get_by_role("button", name="Yes, change the inclusion list").click()
    expect(page.get_by_role("status")).to_contain_text("Nothing has synced yet")
    expect(page.get_by_test_id("inclusion-list")).to_contain_text("VIPs")
    expect(page.get_by_text("0 contacts linked")).to_be_visible()
    assert not salesforce.people("vip@example.com")

    page.get_by_role("button", name="Sync the inclusion list").click()
    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
    expect(page.get_by_test_id("job-status")).to_have_text("Succeeded", timeout=60_000)
    expect(page.get_by_test_id("created")).to_have_text("1")
    page.reload()
    expect(page.get_by_text("Record created").first).to_be_visible()
    expect(page.get_by_text("vip@example.com").first).to_be_visible()
    assert salesforce.people("vip@example.com") and not salesforce.people("no@example.com")
