"""An admin sets up a webhook channel on the Alerts page; the Salesforce password is reset
behind syncadmin's back; a sync fails on a real worker, the loopback receiver gets the
signed alert, and Overview and Connections no longer say Working."""

import hashlib
import hmac
import re

import pytest
from playwright.sync_api import Page, expect

from integrations.pages.connections.services import connections_test, connections_use_sandbox
from tests.alerts.conftest import Receiver, receiver  # noqa: F401  (the receiver fixture)
from tests.browser.conftest import log_in
from tests.sides import HubSpotSide, person
from tests.workers import QCluster, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SECRET = "browser-flow-signing-secret-1"


@pytest.fixture
def worker(tmp_path):
    cluster = QCluster(tmp_path)
    yield cluster
    cluster.stop()


def _auth_alerts(at: Receiver) -> list[dict]:
    return [
        p
        for p in at.payloads()
        if p["event"] == "incident.opened" and (p["incident"] or {}).get("key") == "auth:salesforce"
    ]


def test_a_broken_salesforce_password_is_alerted_and_the_badge_says_so(
    page: Page,
    live_server,
    admin,
    sandbox,
    worker,
    receiver: Receiver,  # noqa: F811
):
    connections_use_sandbox(info=sandbox.info)
    assert connections_test(actor=None).ok
    HubSpotSide(sandbox).create_contacts(person("ada@example.com"))

    log_in(page, live_server.url, "alice")
    nav = page.get_by_role("navigation", name="Main")
    expect(page.get_by_text("Working")).to_have_count(2)
    nav.get_by_role("link", name="Alerts").click()
    expect(page.get_by_test_id("no-channels")).to_be_visible()
    page.get_by_label("Name").fill("On-call webhook")
    page.get_by_label("Type").select_option("webhook")
    page.get_by_label("Webhook URL").fill(receiver.url)
    page.get_by_label("Signing secret").fill(SECRET)
    page.get_by_role("button", name="Add channel").click()
    expect(page.get_by_role("status")).to_contain_text("Channel “On-call webhook” added")
    expect(page.get_by_test_id("channels")).to_contain_text("http://127.0.0.1:")
    expect(page.locator("body")).not_to_contain_text(SECRET)
    page.get_by_role("button", name="Send test to On-call webhook").click()
    expect(page.get_by_role("status")).to_contain_text("answered HTTP 200")

    sandbox.salesforce_password_change()
    nav.get_by_role("link", name="Contacts").click()
    page.get_by_role("button", name="Sync all eligible contacts").click()
    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
    expect(page.get_by_test_id("job-status")).to_have_text(
        re.compile("Failed|Partially failed"), timeout=60_000
    )

    wait_for(lambda: _auth_alerts(receiver), 60, "the authentication alert at the receiver")
    [alert] = _auth_alerts(receiver)
    assert "Salesforce refuses syncadmin's credentials" in alert["text"]
    assert "INVALID_LOGIN" in alert["text"]
    request = next(r for r in receiver.requests if r.json() == alert)
    signed = hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-Syncadmin-Signature"] == f"sha256={signed}"

    nav.get_by_role("link", name="Alerts").click()
    expect(page.get_by_test_id("open-incidents")).to_contain_text(
        "Salesforce refuses syncadmin's credentials"
    )
    expect(page.get_by_test_id("delivery-log")).to_contain_text("Salesforce refuses")
    nav.get_by_role("link", name="Connections").click()
    salesforce = page.get_by_role("article").filter(
        has=page.get_by_role("heading", name="Salesforce")
    )
    expect(salesforce.get_by_test_id("auth-state")).to_be_visible()
    expect(salesforce.get_by_text("Working", exact=True)).to_have_count(0)
    nav.get_by_role("link", name="Overview").click()
    expect(page.get_by_text("Working", exact=True)).to_have_count(1)  # HubSpot still works
    expect(page.get_by_test_id("auth-state")).to_be_visible()
