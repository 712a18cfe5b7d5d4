"""Safe changes in a real browser: a list change shows the sandbox's counts and changes
nothing until confirmed; a list deleted in HubSpot stays selected after the run that
paused sync; the Activities page saves two toggled rows with one Save, marking them
unsaved until then, with and without JavaScript."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from integrations.connections import hubspot_client
from integrations.models import ActivityType, ContactSyncSettings
from integrations.pages.connections.services import connections_use_sandbox
from integrations.pages.contacts.services import inclusion_list_choose
from tests.browser.conftest import log_in
from tests.sides import HubSpotSide, person
from tests.workers import QCluster

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(tmp_path):
    cluster = QCluster(tmp_path)
    yield cluster
    cluster.stop()


def seed_people(hubspot: HubSpotSide) -> str:
    """Four VIPs and three others with an email, one VIP without: the VIPs list's id."""
    hubspot.create_contacts(
        *(person(f"vip{i}@example.com", jobtitle="VIP") for i in range(4)),
        *(person(f"other{i}@example.com") for i in range(3)),
    )
    hubspot.create_contacts({"firstname": "Nomail", "jobtitle": "VIP"})
    return hubspot.create_list("VIPs", jobtitle="VIP")


def sandbox_counts(hubspot: HubSpotSide, list_id: str) -> tuple[int, int]:
    """(contacts with an email, list members with an email), read from the sandbox."""
    contacts = hubspot.call("GET", "/crm/v3/objects/contacts?limit=100&properties=email")
    with_email = {c["id"] for c in contacts["results"] if c["properties"].get("email")}
    members = hubspot.call("GET", f"/crm/v3/lists/{list_id}/memberships")["results"]
    return len(with_email), len({str(m["recordId"]) for m in members} & with_email)


def test_a_list_change_shows_the_counts_and_changes_nothing_until_confirmed(
    page: Page, live_server, admin, sandbox
) -> None:
    connections_use_sandbox(info=sandbox.info)
    hubspot = HubSpotSide(sandbox)
    vips = seed_people(hubspot)
    everyone, members = sandbox_counts(hubspot, vips)
    assert (everyone, members) == (7, 4)

    log_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/contacts/")
    page.get_by_label("Search active lists").fill("VIP")
    expect(page.get_by_label("Inclusion list")).to_contain_text("VIPs")
    page.get_by_label("Inclusion list").select_option(value=vips)
    page.get_by_role("button", name="Save inclusion list").click()

    expect(page.get_by_role("heading", name="Change the inclusion list?")).to_be_visible()
    expect(page.get_by_test_id("list-confirm")).to_contain_text(
        f"{everyone - members} contacts will stop syncing, 0 will start."
    )
    assert ContactSyncSettings.load().inclusion_list_id == ""
    page.get_by_role("button", name="Cancel, keep the current list").click()
    expect(page.get_by_test_id("inclusion-list")).to_have_text("No inclusion list (all contacts)")
    assert ContactSyncSettings.load().inclusion_list_id == ""

    page.get_by_label("Search active lists").fill("VIP")
    expect(page.get_by_label("Inclusion list")).to_contain_text("VIPs")
    page.get_by_label("Inclusion list").select_option(value=vips)
    page.get_by_role("button", name="Save inclusion list").click()
    page.get_by_role("button", name="Yes, change the inclusion list").click()

    expect(page.get_by_role("status")).to_contain_text("Inclusion list saved: VIPs")
    expect(page.get_by_test_id("inclusion-list")).to_contain_text("VIPs")
    assert ContactSyncSettings.load().inclusion_list_id == vips


def test_a_deleted_list_stays_selected_after_the_run_that_paused_sync(
    page: Page, live_server, admin, sandbox, worker
) -> None:
    connections_use_sandbox(info=sandbox.info)
    hubspot = HubSpotSide(sandbox)
    vips = seed_people(hubspot)
    inclusion_list_choose(actor=None, list_id=vips, hubspot=hubspot_client())
    hubspot.delete_list(vips)

    log_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/contacts/")
    page.get_by_role("button", name="Sync all eligible contacts").click()
    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
    expect(page.get_by_test_id("job-status")).to_have_text("Failed", timeout=60_000)

    page.goto(f"{live_server.url}/contacts/")
    expect(page.get_by_test_id("paused")).to_contain_text("no longer exists in HubSpot")
    expect(page.get_by_test_id("paused-kept")).to_contain_text("the list stays selected")
    # once the search has answered (htmx), the deleted list is still the one selected
    expect(page.get_by_test_id("list-paused-note")).to_be_visible()
    expect(page.get_by_label("Inclusion list")).to_have_value(vips)
    expect(page.locator("#list_id option:checked")).to_contain_text("VIPs")
    expect(page.locator("#list_id option:checked")).to_contain_text("paused")

    page.get_by_role("button", name="Save inclusion list").click()
    expect(page.get_by_role("status")).to_contain_text(f"HubSpot has no list with id {vips}")
    settings = ContactSyncSettings.load()
    assert settings.inclusion_list_id == vips and settings.paused_reason


def test_one_save_saves_two_toggled_rows_marked_unsaved_until_then(
    page: Page, live_server, admin, sandbox
) -> None:
    connections_use_sandbox(info=sandbox.info)
    log_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/activities/")
    notes, calls = page.get_by_test_id("type-note_created"), page.get_by_test_id("type-sf_calls")
    expect(notes.get_by_test_id("unsaved-mark")).to_be_hidden()

    notes.get_by_role("switch").check()
    calls.get_by_role("switch").check()
    expect(notes.get_by_test_id("unsaved-mark")).to_be_visible()
    expect(calls.get_by_test_id("unsaved-mark")).to_be_visible()
    expect(page.get_by_test_id("unsaved-count")).to_have_text("2 unsaved changes")
    notes.get_by_label("Salesforce task type for Note created").select_option("Call")
    calls.get_by_role("switch").uncheck()  # back as saved: no longer marked
    expect(calls.get_by_test_id("unsaved-mark")).to_be_hidden()
    expect(page.get_by_test_id("unsaved-count")).to_have_text("1 unsaved change")
    calls.get_by_role("switch").check()
    assert not ActivityType.objects.filter(enabled=True).exists()

    page.get_by_role("button", name="Save changes").click()

    for said in ("Note created: on since", "Calls: on since"):
        expect(page.get_by_role("status").filter(has_text=said)).to_be_visible()
    expect(page.get_by_test_id("type-note_created")).to_contain_text("since")
    expect(page.get_by_test_id("type-sf_calls")).to_contain_text("since")
    expect(page.get_by_test_id("unsaved-count")).to_have_text("")
    expect(page.get_by_test_id("unsaved-mark").first).to_be_hidden()
    on = {row.key: row.task_type for row in ActivityType.objects.filter(enabled=True)}
    assert on == {"note_created": "Call", "sf_calls": ""}


def test_the_single_save_works_without_javascript(
    browser: Browser, live_server, admin, sandbox
) -> None:
    connections_use_sandbox(info=sandbox.info)
    context = browser.new_context(java_script_enabled=False)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        log_in(page, live_server.url, "alice")
        page.goto(f"{live_server.url}/activities/")
        page.get_by_test_id("type-call_logged").get_by_role("switch").check()
        page.get_by_test_id("type-sf_meetings").get_by_role("switch").check()
        page.get_by_role("button", name="Save changes").click()
        expect(page.get_by_role("status").first).to_be_visible()
    finally:
        context.close()
    assert set(ActivityType.objects.filter(enabled=True).values_list("key", flat=True)) == {
        "call_logged",
        "sf_meetings",
    }
