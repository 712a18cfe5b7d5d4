"""Issue #15, "Done when": every page, walked in Debian's Chromium with the demo world
(a connected sandbox, one of each object a URL names, a contact sync's audit trail):

- at 390 px and at 1366 px nothing scrolls sideways;
- axe-core finds no serious or critical accessibility violation;
- a viewer finds no enabled control that would change something (only Log out);
- every page names the time zone its times are in: the browser's, once it reported it.

Pages are every GET route the URL resolver lists (``tests.core.test_viewer_controls.pages``)
that renders a whole page, plus the pages reached with a query (a contact's explanation
and history) and a job's page. axe-core is vendored (tests/browser/vendor/, MPL-2.0) and
injected from that file; the test contexts bypass the CSP only so that this one injected
script may run."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from core.models import SyncJob
from tests.browser.conftest import log_in
from tests.browser.test_mobile import LONG_EMAIL, demo, full_pages  # noqa: F401  (fixture)
from tests.fuzz.conftest import World, world  # noqa: F401  (the fixture)
from tests.fuzz.plan import get_routes
from tests.fuzz.send import route_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
#: the browser's zone in these tests: not the server's default (UTC)
ZONE = "Asia/Tokyo"
#: axe impacts that fail the test
BLOCKING = ("serious", "critical")

#: the state-changing controls a page offers, as a browser sees them: every control of a
#: POST form (but hidden inputs and Log out) and every htmx element that sends a change,
#: unless disabled (itself or through a disabled fieldset)
ENABLED_CHANGES = """() => {
  const found = [];
  const usable = (el) => !el.matches(':disabled') && el.type !== 'hidden';
  const describe = (el) =>
    `<${el.tagName.toLowerCase()}> ${el.name || el.textContent.trim().slice(0, 40)}`;
  for (const form of document.querySelectorAll('form')) {
    if ((form.getAttribute('method') || 'get').toLowerCase() !== 'post') continue;
    if (new URL(form.action, location.href).pathname === '/logout/') continue;
    for (const el of form.elements) {
      if (usable(el)) found.push(`${form.getAttribute('action')}: ${describe(el)}`);
    }
  }
  for (const el of document.querySelectorAll('[hx-post], [hx-put], [hx-patch], [hx-delete]')) {
    if (!el.closest('form') && usable(el)) found.push(`htmx ${describe(el)}`);
  }
  return found;
}"""

AXE_RUN = """async (blocking) => {
  const result = await axe.run(document, { resultTypes: ['violations'] });
  return result.violations
    .filter((v) => blocking.includes(v.impact))
    .map((v) => {
      const where = v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ');
      return `${v.impact} ${v.id} (${v.help}): ${where}`;
    });
}"""


def open_page(browser: Browser, size: dict[str, int]) -> Page:
    context = browser.new_context(viewport=size, timezone_id=ZONE, bypass_csp=True)
    context.set_default_timeout(15_000)
    return context.new_page()


def signed_in(browser: Browser, base_url: str, username: str, size: dict[str, int]) -> Page:
    """Signed in, with the browser's zone reported (the first page posts it)."""
    page = open_page(browser, size)
    log_in(page, base_url, username)
    page.wait_for_function(f"document.body.dataset.timeZone === {ZONE!r}")
    return page


def pages(world: World) -> list[str]:  # noqa: F811
    """Every GET route of ours, path parameters filled from the world; the contact page
    (``ref``) with the synced contact's email."""
    values = {name: found[0] for name, found in world.path_values.items()}
    values.setdefault("ref", LONG_EMAIL)
    paths = []
    for route in get_routes():
        if route.name in {"metrics", "healthz", "login"} or route.route.endswith(".csv"):
            continue
        paths.append(route_path(route, {name: values[name] for name in route.params}))
    return paths


def every_page(page: Page, base_url: str, world: World) -> list[str]:  # noqa: F811
    shown = full_pages(page, base_url, pages(world))
    assert len(shown) >= 15, shown
    sync = SyncJob.objects.filter(kind="contacts.sync").latest("pk")
    return [
        *shown,
        f"/contacts/explain/?q={LONG_EMAIL}",
        f"/audit/history/?object_type=contact&email={LONG_EMAIL}",
        f"/jobs/{sync.pk}/",
    ]


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["390px", "1366px"])
def test_no_page_scrolls_sideways_and_each_names_the_time_zone(
    browser: Browser,
    live_server,
    demo: World,  # noqa: F811
    size: dict[str, int],
) -> None:
    page = signed_in(browser, live_server.url, "alice", size)
    too_wide, zones = {}, {}
    for path in every_page(page, live_server.url, demo):
        page.goto(live_server.url + path)
        width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if width > inner:
            too_wide[path] = width
        zones[path] = page.get_by_test_id("time-zone").inner_text()
    assert not too_wide, too_wide
    assert set(zones.values()) == {ZONE}, zones


def test_no_page_has_a_serious_or_critical_accessibility_violation(
    browser: Browser,
    live_server,
    demo: World,  # noqa: F811
) -> None:
    found = {}
    for size in (DESKTOP, PHONE):
        page = signed_in(browser, live_server.url, "alice", size)
        paths = every_page(page, live_server.url, demo)
        if size is DESKTOP:
            paths.insert(0, "/login/?next=/")
        for path in paths:
            page.goto(live_server.url + path)
            page.add_script_tag(path=str(AXE))
            violations = page.evaluate(AXE_RUN, list(BLOCKING))
            if violations:
                found[f"{size['width']}px {path}"] = violations
        page.context.close()
    assert not found, found


def test_a_viewer_finds_no_enabled_control_that_changes_anything(
    browser: Browser,
    live_server,
    demo: World,  # noqa: F811
    viewer,
) -> None:
    page = signed_in(browser, live_server.url, "victor", DESKTOP)
    offending, walked = {}, 0
    for path in every_page(page, live_server.url, demo):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")  # htmx parts loaded too
        walked += 1
        controls = page.evaluate(ENABLED_CHANGES)
        if controls:
            offending[path] = controls
    assert walked >= 17
    assert not offending, offending
    # the same walk finds the admin's controls: it would see them if they were enabled
    admin = signed_in(browser, live_server.url, "alice", DESKTOP)
    admin.goto(live_server.url + "/contacts/lists/new/")
    assert any(c.startswith("/contacts/lists/create/") for c in admin.evaluate(ENABLED_CHANGES))
