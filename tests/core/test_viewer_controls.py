"""Issue #15, "any user": a viewer (read-only) walks every page and finds no enabled
control of a form that changes something (only Log out); an admin finds the same forms
enabled. Pages are every GET route the URL resolver lists, with the fuzz tests' world
(a connected sandbox, one of each object a URL names) so tables and forms have rows."""

from __future__ import annotations

import logging

import pytest
from bs4 import BeautifulSoup, Tag
from django.test import Client

from tests.fuzz.conftest import World, world  # noqa: F401  (the fixture)
from tests.fuzz.plan import get_routes
from tests.fuzz.send import route_path

pytestmark = pytest.mark.django_db

#: POST forms a viewer may use
OPEN_TO_VIEWERS = {"/logout/"}
#: controls that send or change a form
CONTROLS = "button, input, select, textarea"


def _disabled(control: Tag) -> bool:
    """Disabled as a browser sees it: itself, or inside a disabled fieldset."""
    if control.has_attr("disabled"):
        return True
    return any(f.has_attr("disabled") for f in control.find_parents("fieldset"))


def enabled_post_controls(html: str) -> list[str]:
    """Every enabled control of a POST form on the page (inside the form or tied to it
    with ``form=``), but hidden inputs and the forms in ``OPEN_TO_VIEWERS``."""
    soup = BeautifulSoup(html, "html.parser")
    found = []
    for form in soup.find_all("form"):
        if form.get("method", "get").lower() != "post" or form.get("action") in OPEN_TO_VIEWERS:
            continue
        controls = form.select(CONTROLS)
        if form.get("id"):
            controls += soup.select(f'[form="{form["id"]}"]')
        for control in controls:
            if control.name == "input" and control.get("type") == "hidden":
                continue
            if not _disabled(control):
                label = control.get("aria-label") or control.get("name") or control.get_text()
                found.append(f"{form.get('action')}: <{control.name}> {label.strip()[:60]}")
    return found


def pages(world: World) -> list[str]:  # noqa: F811
    """Every page of ours a browser can GET, path parameters filled from the world."""
    paths = []
    for route in get_routes():
        if route.name in {"metrics", "healthz", "login"} or route.route.endswith(".csv"):
            continue
        values = {name: world.path_values[name][0] for name in route.params}
        paths.append(route_path(route, values))
    return paths


def walk(client: Client, paths: list[str]) -> dict[str, list[str]]:
    seen = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, f"GET {path} -> {response.status_code}"
        seen[path] = enabled_post_controls(response.content.decode())
    return seen


def test_a_viewer_finds_no_enabled_control_that_changes_anything(
    world: World,  # noqa: F811
    viewer_web: Client,
) -> None:
    seen = walk(viewer_web, pages(world))
    assert len(seen) >= 15, sorted(seen)
    offending = {path: controls for path, controls in seen.items() if controls}
    assert not offending, offending
    builder = BeautifulSoup(viewer_web.get("/contacts/lists/new/").content, "html.parser")
    assert builder.select_one("fieldset[disabled] #list-name"), "the builder is shown, locked"
    assert "Viewers can't change this." in builder.get_text()


def test_an_admin_finds_the_same_forms_enabled(world: World, admin_web: Client) -> None:  # noqa: F811
    seen = walk(admin_web, pages(world))
    enabled = {path for path, controls in seen.items() if controls}
    # every page with a state-changing form
    assert {
        "/connections/",
        "/contacts/",
        "/contacts/mappings/",
        "/contacts/lists/new/",
        "/activities/",
        "/activities/owners/",
        "/health/",
        "/alerts/",
        "/audit/",
    } <= enabled, sorted(enabled)
    assert any(c.startswith("/contacts/lists/create/") for c in seen["/contacts/lists/new/"])


def test_a_viewers_403_is_one_log_line(
    viewer_web: Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = viewer_web.post("/contacts/lists/create/", {"name": "VIPs"})
    assert response.status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert len(records) == 1, [r.getMessage() for r in records]
    (record,) = records
    assert record.exc_info is None and record.exc_text is None
    assert record.getMessage() == "Forbidden: victor POST /contacts/lists/create/"
    assert "\n" not in caplog.text.strip()
