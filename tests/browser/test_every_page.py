"""Issue #15, "Done when": every page, walked in Debian's Chromium with the demo world
(a connected sandbox, one of each object a URL names, a contact sync's audit trail):

- at 390 px and at 1366 px nothing scrolls sideways;
- axe-core finds no serious or critical accessibility violation;
- a viewer finds no enabled control that would change something (only Log out);
- every page names the time zone its times are in: the browser's, once it reported it;
- no two elements share an id, and every ``<label for>`` names a field of the page;
- no select is cut: each is as wide as its longest choice needs (the task type selects
  once read "-- No task type -"), or as wide as the page's content when that is narrower;
- a focused field, select, button or link shows an outline (``:focus-visible``), and a
  field's outline never runs through the text of its label.

Pages are every GET route the URL resolver lists (``tests.core.test_viewer_controls.pages``)
that renders a whole page, plus the pages reached with a query (a contact's explanation
and history) and a job's page. axe-core is vendored (tests/browser/vendor/, MPL-2.0) and
injected from that file; the test contexts bypass the CSP only so that this one injected
script may run."""

from __future__ import annotations

from collections.abc import Iterator
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


#: ids used twice, and ``<label for>`` that names no field (``label.control`` is the
#: labelable element the browser resolves ``for`` to)
BROKEN_IDS = """() => {
  const seen = new Set(), twice = new Set();
  for (const el of document.querySelectorAll('[id]')) {
    if (seen.has(el.id)) twice.add(el.id);
    seen.add(el.id);
  }
  const unlabelled = [...document.querySelectorAll('label[for]')]
    .filter((label) => !label.control)
    .map((label) => `label for=${label.htmlFor}: ${label.textContent.trim().slice(0, 40)}`);
  return [...[...twice].map((id) => `id ${id} twice`), ...unlabelled];
}"""

#: shown selects narrower than their longest choice's text, unless as wide as the box
#: that holds them (a form, a card, a table cell; not the label around them) allows: a
#: choice longer than a phone's screen is read in the opened list
CUT_SELECTS = """() => {
  const ctx = document.createElement('canvas').getContext('2d');
  const contentWidth = (el) => {
    const s = getComputedStyle(el);
    return el.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
  };
  const cut = [];
  for (const select of document.querySelectorAll('main select')) {
    const box = select.getBoundingClientRect();
    if (!box.width || !select.getClientRects().length) continue;
    let holder = select.parentElement;
    while (holder.matches('label, span') || getComputedStyle(holder).display === 'contents') {
      holder = holder.parentElement;
    }
    const room = contentWidth(holder);
    const style = getComputedStyle(select);
    ctx.font = style.font;
    const text = Math.max(0, ...[...select.options].map((o) => ctx.measureText(o.text).width));
    const inner = select.clientWidth - parseFloat(style.paddingLeft)
      - parseFloat(style.paddingRight);
    const needed = text + select.offsetWidth - inner;
    if (inner + 1 < text && box.width + 1 < Math.min(needed, room)) {
      const name = select.id || select.name;
      cut.push(`${name}: ${Math.round(box.width)} px, needs ${Math.ceil(needed)} px`);
    }
  }
  return cut;
}"""

#: the element focused now: its outline as drawn, and whether that outline's box runs
#: through the text of the label that names it (text outside the control itself)
FOCUS_RING = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const ring = parseFloat(style.outlineWidth) + Math.max(0, parseFloat(style.outlineOffset));
  const box = el.getBoundingClientRect();
  const outer = {
    left: box.left - ring, right: box.right + ring, top: box.top - ring,
    bottom: box.bottom + ring,
  };
  // text only screen readers get (.visually-hidden): clipped away, never drawn
  const unseen = (node, label) => {
    for (let a = node.parentElement; a && a !== label.parentElement; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (s.clip !== 'auto' || s.clipPath !== 'none') return true;
      if (s.overflow === 'hidden' && a.getBoundingClientRect().width <= 1) return true;
    }
    return false;
  };
  const hits = [];
  for (const label of el.labels || []) {
    const walker = document.createTreeWalker(label, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (el.contains(node) || !node.textContent.trim() || unseen(node, label)) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const r of range.getClientRects()) {
        if (!r.width || !r.height) continue;
        if (r.left < outer.right - 0.5 && r.right > outer.left + 0.5
            && r.top < outer.bottom - 0.5 && r.bottom > outer.top + 0.5) {
          hits.push(node.textContent.trim().slice(0, 30));
        }
      }
    }
  }
  return {
    what: `<${el.tagName.toLowerCase()}${el.type ? ' ' + el.type : ''}> `
      + (el.id || el.name || el.textContent.trim().slice(0, 30)),
    kind: el.matches('a') ? 'link' : el.matches('button, [role=button]') ? 'button'
      : el.matches('select') ? 'select' : el.matches('input, textarea') ? 'field' : 'other',
    focusVisible: el.matches(':focus-visible'),
    outline: style.outlineStyle === 'none' || !parseFloat(style.outlineWidth)
      ? 'none' : `${style.outlineStyle} ${style.outlineWidth}`,
    overLabel: [...new Set(hits)],
  };
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


def visited(page: Page, base_url: str, paths: list[str]) -> Iterator[str]:
    """Each path opened in turn, its htmx parts loaded, for the caller to inspect."""
    for path in paths:
        page.goto(base_url + path)
        page.wait_for_load_state("networkidle")
        yield path


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["390px", "1366px"])
def test_no_page_scrolls_sideways_and_each_names_the_time_zone(
    browser: Browser,
    live_server,
    demo: World,  # noqa: F811
    size: dict[str, int],
) -> None:
    page = signed_in(browser, live_server.url, "alice", size)
    too_wide, zones = {}, {}
    for path in visited(page, live_server.url, every_page(page, live_server.url, demo)):
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
        for path in visited(page, live_server.url, paths):
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
    for path in visited(page, live_server.url, every_page(page, live_server.url, demo)):
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


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["390px", "1366px"])
def test_ids_are_unique_every_label_names_a_field_and_no_select_is_cut(
    browser: Browser,
    live_server,
    demo: World,  # noqa: F811
    size: dict[str, int],
) -> None:
    page = signed_in(browser, live_server.url, "alice", size)
    broken, cut = {}, {}
    paths = ["/login/?next=/", *every_page(page, live_server.url, demo)]
    for path in visited(page, live_server.url, paths):
        if found := page.evaluate(BROKEN_IDS):
            broken[path] = found
        if found := page.evaluate(CUT_SELECTS):
            cut[path] = found
    assert not broken, broken
    assert not cut, cut


#: Tab presses per page at most (every page has fewer controls)
MAX_TABS = 150


def focus_walk(page: Page) -> list[dict]:
    """Every element Tab reaches on the page, in order, as ``FOCUS_RING`` describes it."""
    seen, walked = set(), []
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        found = page.evaluate(FOCUS_RING)
        if found is None:
            continue
        key = page.evaluate(
            "() => { const el = document.activeElement;"
            " return el.__walked || (el.__walked = String(Math.random())); }"
        )
        if key in seen:
            break
        seen.add(key)
        walked.append(found)
    return walked


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["390px", "1366px"])
def test_every_focused_control_shows_an_outline_clear_of_its_label(
    browser: Browser,
    live_server,
    demo: World,  # noqa: F811
    size: dict[str, int],
) -> None:
    page = signed_in(browser, live_server.url, "alice", size)
    unseen, over_label, kinds = {}, {}, set()
    for path in visited(page, live_server.url, every_page(page, live_server.url, demo)):
        for found in focus_walk(page):
            kinds.add(found["kind"])
            if not found["focusVisible"] or found["outline"] == "none":
                unseen.setdefault(path, []).append(found["what"])
            if found["overLabel"]:
                over_label.setdefault(path, []).append(f"{found['what']}: {found['overLabel']}")
    assert {"link", "button", "select", "field"} <= kinds, kinds
    assert not unseen, unseen
    assert not over_label, over_label
