"""Issue #15, the list builder in Chromium: each row offers only its property's operators
and a value field that suits it (choices by label, a date, a number of days), and the
list it creates is counted on the ready page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import log_in
from tests.sides import HubSpotSide, person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def offered(select) -> list[str]:
    """The operators a person can pick."""
    return select.evaluate(
        "s => Array.from(s.options).filter(o => o.value && !o.disabled).map(o => o.textContent)"
    )


def test_each_row_offers_what_its_property_takes(
    browser: Browser,
    live_server,
    hubspot: HubSpotSide,
    admin,
) -> None:
    hubspot.create_contacts(
        person("mql@example.com", lifecyclestage="marketingqualifiedlead"),
        person("lead@example.com", lifecyclestage="lead"),
        person("cust@example.com", lifecyclestage="customer"),
    )
    page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    page.set_default_timeout(15_000)
    log_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/contacts/lists/new/")

    page.get_by_label("List name").fill("MQLs and customers")
    row = page.locator("[data-builder-row]").first
    operator = row.get_by_label("Operator")

    row.get_by_label("Property").select_option(label="Job Title")
    assert "contains" in offered(operator) and "is before" not in offered(operator)
    expect(row.get_by_label("Value")).to_have_attribute("type", "text")

    row.get_by_label("Property").select_option(label="Create Date")
    assert offered(operator) == [
        "is before",
        "is after",
        "is in the last N days",
        "is known",
        "is unknown",
    ]
    expect(row.get_by_label("Value")).to_have_attribute("type", "date")
    operator.select_option(label="is in the last N days")
    expect(row.get_by_label("Value")).to_have_attribute("type", "number")
    operator.select_option(label="is known")
    expect(row.get_by_label("Value")).to_be_hidden()

    row.get_by_label("Property").select_option(label="Lifecycle Stage")
    assert offered(operator) == ["is any of", "is none of", "is known", "is unknown"]
    expect(operator).to_have_value("IS_KNOWN")  # kept: it applies to choices too
    operator.select_option(label="is any of")
    value = row.get_by_label("Value")
    expect(value.locator("option", has_text="Marketing Qualified Lead")).to_have_count(1)
    value.select_option(label=["Marketing Qualified Lead", "Customer"])

    page.get_by_role("button", name="Create the active list in HubSpot").click()
    ready = page.get_by_test_id("list-ready")
    expect(ready).to_contain_text("2 members")
    expect(page.get_by_role("button", name="Use “MQLs and customers” as the inclusion list"))
