"""Issue #15, "any screen": on a 390 px phone every page fits the screen (nothing scrolls
sideways), the navigation sits behind a menu button that opens it, and tables show as
stacked rows labelled with their column headers; at 1366x900 the navigation is shown
as before, without the button. Pages are every full page the URL resolver lists, with
the fuzz tests' world (a connected sandbox, one of each object) and a contact sync's
audit trail, so tables have rows."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from core.models import SyncJob
from core.services.jobs import job_run
from integrations.engine.contacts.jobs import contacts_sync_start
from tests.browser.conftest import log_in
from tests.core.test_viewer_controls import pages
from tests.fuzz.conftest import World, world  # noqa: F401  (the fixture)
from tests.sandbox import Sandbox
from tests.sides import HubSpotSide, person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_EMAIL = "ada.lovelace-with-a-rather-long-address@example.com"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
NAV = [
    "Overview",
    "Connections",
    "Contacts",
    "Activities",
    "Jobs",
    "Audit log",
    "Sync health",
    "Alerts",
]


@pytest.fixture
def demo(world: World, connected: Sandbox) -> World:  # noqa: F811
    """The world, plus contacts synced to Salesforce: the audit log and jobs have rows."""
    HubSpotSide(connected).create_contacts(
        person(LONG_EMAIL, jobtitle="Analyst"),
        person("grace@example.com", country="Finland"),
    )
    job, _ = contacts_sync_start(mode="all", requested_by=None)
    job_run(job_id=job.pk)  # how it ends does not matter: its rows do
    return world


def at_size(browser: Browser, size: dict[str, int]) -> Page:
    context = browser.new_context(viewport=size)
    context.set_default_timeout(10_000)
    return context.new_page()


def full_pages(page: Page, base_url: str, paths: list[str]) -> list[str]:
    """The paths that are whole pages (with the main navigation), not htmx fragments."""
    found = []
    for path in paths:
        page.goto(base_url + path)
        if page.locator("nav[aria-label=Main]").count():
            found.append(path)
    return found


def test_every_page_fits_a_phone(browser: Browser, live_server, demo: World) -> None:
    page = at_size(browser, PHONE)
    page.goto(f"{live_server.url}/login/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    log_in(page, live_server.url, "alice")
    shown = full_pages(page, live_server.url, pages(demo))
    assert len(shown) >= 14, shown
    # and the pages with a long address in them: a contact's explanation and history,
    # the sync's job page with its audit events
    sync = SyncJob.objects.filter(kind="contacts.sync").latest("pk")
    shown += [
        f"/contacts/explain/?q={LONG_EMAIL}",
        f"/audit/history/?object_type=contact&email={LONG_EMAIL}",
        f"/jobs/{sync.pk}/",
    ]
    too_wide = {}
    for path in shown:
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            too_wide[path] = width
    assert not too_wide, too_wide


def test_the_menu_button_opens_the_navigation_on_a_phone(
    browser: Browser, live_server, admin
) -> None:
    page = at_size(browser, PHONE)
    log_in(page, live_server.url, "alice")
    nav = page.get_by_role("navigation", name="Main")
    menu = nav.get_by_role("button", name="Menu")
    for label in NAV:
        link = nav.get_by_role("link", name=label, exact=True)
        expect(link).to_be_hidden()
        expect(menu).to_have_attribute("aria-expanded", "false")
        menu.click()
        expect(menu).to_have_attribute("aria-expanded", "true")
        for other in NAV:
            expect(nav.get_by_role("link", name=other, exact=True)).to_be_visible()
        expect(nav.get_by_role("button", name="Log out")).to_be_visible()
        link.click()
        expect(page.get_by_role("heading", level=1)).to_have_text(label)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_menu_works_from_the_keyboard(browser: Browser, live_server, admin) -> None:
    page = at_size(browser, PHONE)
    log_in(page, live_server.url, "alice")
    nav = page.get_by_role("navigation", name="Main")
    menu = nav.get_by_role("button", name="Menu")
    menu.focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Tab")
    expect(nav.get_by_role("link", name="Overview", exact=True)).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()
    expect(nav.get_by_role("link", name="Jobs", exact=True)).to_be_hidden()


def test_tables_are_stacked_rows_with_labels_on_a_phone(
    browser: Browser, live_server, demo: World
) -> None:
    page = at_size(browser, PHONE)
    log_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/jobs/")
    row = page.locator("table tbody tr").first
    status = row.locator("td[data-label='Status']")
    expect(status).to_be_visible()
    job = row.locator("td").first
    assert job.evaluate("c => getComputedStyle(c).display") == "block"
    label = status.evaluate("c => getComputedStyle(c, '::before').content")
    assert label == '"Status"', label
    # each cell is on its own line, below the one before it
    first, second = (row.locator("td").nth(i).bounding_box() for i in (0, 1))
    assert second["y"] >= first["y"] + first["height"] - 1
    # the header row is there for screen readers only: each cell carries its label
    thead = page.locator("table thead").first
    assert thead.evaluate("t => t.getBoundingClientRect().height") <= 1


def test_the_desktop_shows_the_navigation_and_tables_as_before(
    browser: Browser, live_server, demo: World
) -> None:
    page = at_size(browser, DESKTOP)
    log_in(page, live_server.url, "alice")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("button", name="Menu")).to_be_hidden()
    for label in NAV:
        expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()
    page.goto(f"{live_server.url}/jobs/")
    expect(page.get_by_role("columnheader", name="Status")).to_be_visible()
    cell = page.locator("table tbody tr td").first
    assert cell.evaluate("c => getComputedStyle(c).display") == "table-cell"
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
