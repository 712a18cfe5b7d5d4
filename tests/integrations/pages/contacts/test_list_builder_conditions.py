"""Issue #15, the list builder: operators follow the property's kind, choices are named by
their labels (owners by name and email, from the owners API), dates are before / after
a day or in the last N days (HubSpot's TIME_POINT and TIME_RANGED filters, evaluated by
the sandbox), HubSpot's limits are refused in plain words, and the ready page counts the
members and offers no Use button for a static list."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent
from tests.sides import HubSpotSide, person

pytestmark = pytest.mark.django_db


def build(web: Client, name: str = "Built", **rows: str):
    return web.post(reverse("contacts_list_create"), {"name": name, **rows})


def members(hubspot: HubSpotSide, response) -> set[str]:
    assert response.status_code == 302, response.content.decode()[:2000]
    list_id = response["Location"].rstrip("/").split("/")[-2]
    found = hubspot.call("GET", f"/crm/v3/lists/{list_id}/memberships")["results"]
    return {m["recordId"] for m in found}


def row(prop: str, operator: str, value: str = "", at: str = "g0r0") -> dict[str, str]:
    return {f"{at}-property": prop, f"{at}-operator": operator, f"{at}-value": value}


def test_the_page_offers_each_property_its_own_operators_and_choices_by_label(
    admin_web: Client, connected
) -> None:
    page = BeautifulSoup(admin_web.get(reverse("contacts_list_builder")).content, "html.parser")
    catalogue = json.loads(page.select_one("#builder-properties").string)
    assert catalogue["createdate"]["kind"] == "date"
    assert catalogue["hs_email_optout"]["kind"] == "bool"
    assert ["customer", "Customer"] in catalogue["lifecyclestage"]["options"]
    owners = catalogue["hubspot_owner_id"]["options"]
    assert owners and all("@" in label and value.isdigit() for value, label in owners)
    groups = {g["data-kind"]: g for g in page.select("#g0r0-operator optgroup")}
    assert [o.get_text() for o in groups["date"].select("option")][:3] == [
        "is before",
        "is after",
        "is in the last N days",
    ]
    # the property menu names properties, not their internal types
    assert "(enumeration)" not in page.select_one("#g0r0-property").get_text()


def test_a_choice_is_named_by_its_label(admin_web: Client, hubspot: HubSpotSide) -> None:
    mql, lead = hubspot.create_contacts(
        person("m@example.com", lifecyclestage="marketingqualifiedlead"),
        person("l@example.com", lifecyclestage="lead"),
    )
    response = build(admin_web, **row("lifecyclestage", "IS_ANY_OF", "Marketing Qualified Lead"))
    assert members(hubspot, response) == {mql}


def test_an_owner_is_chosen_by_name_and_email(admin_web: Client, hubspot: HubSpotSide) -> None:
    owner = hubspot.call("GET", "/crm/v3/owners")["results"][0]
    owned, other = hubspot.create_contacts(
        person("o@example.com", hubspot_owner_id=owner["id"]), person("n@example.com")
    )
    label = f"{owner['firstName']} {owner['lastName']} ({owner['email']})"
    response = build(admin_web, **row("hubspot_owner_id", "IS_ANY_OF", label))
    assert members(hubspot, response) == {owned}


def test_several_choices_from_the_multiple_select(admin_web: Client, hubspot: HubSpotSide):
    ids = hubspot.create_contacts(
        person("a@example.com", lifecyclestage="customer"),
        person("b@example.com", lifecyclestage="lead"),
        person("c@example.com", lifecyclestage="opportunity"),
    )
    response = admin_web.post(
        reverse("contacts_list_create"),
        {
            "name": "Two stages",
            "g0r0-property": "lifecyclestage",
            "g0r0-operator": "IS_NONE_OF",
            "g0r0-value": ["customer", "lead"],
        },
    )
    assert members(hubspot, response) == {ids[2]}


def test_dates_before_after_and_in_the_last_days(admin_web: Client, hubspot: HubSpotSide):
    now = datetime.now(UTC)
    old, recent, today = hubspot.create_contacts(
        person("old@example.com", createdate="2019-06-30T12:00:00Z"),
        person("recent@example.com", createdate=(now - timedelta(days=3)).isoformat()),
        person("today@example.com"),
    )
    assert members(
        hubspot, build(admin_web, "Before", **row("createdate", "IS_BEFORE", "2019-07-01"))
    ) == {old}
    # after a day means from the next day on: 30 June itself does not count
    after = members(
        hubspot, build(admin_web, "After", **row("createdate", "IS_AFTER", "2019-06-30"))
    )
    assert old not in after and {recent, today} <= after
    last_week = members(
        hubspot, build(admin_web, "Last week", **row("createdate", "IN_LAST_DAYS", "7"))
    )
    assert {recent, today} <= last_week and old not in last_week
    last_day = members(hubspot, build(admin_web, "Today", **row("createdate", "IN_LAST_DAYS", "1")))
    assert today in last_day and recent not in last_day


def test_a_day_is_counted_in_the_admins_time_zone(admin_web: Client, hubspot: HubSpotSide):
    """23:30 UTC on 30 June is already 1 July in Helsinki: after 30 June there, not in UTC."""
    (late,) = hubspot.create_contacts(person("late@example.com", createdate="2019-06-30T23:30:00Z"))
    in_utc = members(
        hubspot, build(admin_web, "UTC", **row("createdate", "IS_AFTER", "2019-06-30"))
    )
    admin_web.post("/me/time-zone/", {"zone": "Europe/Helsinki"})
    local = members(
        hubspot, build(admin_web, "Helsinki", **row("createdate", "IS_AFTER", "2019-06-30"))
    )
    assert late not in in_utc and late in local


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            row("jobtitle", "IS_BEFORE", "2020-01-01"),
            "“IS_BEFORE” is not an operator for Job Title",
        ),
        (row("createdate", "IS_BEFORE", "31/12/2020"), "takes a date such as 2026-03-31"),
        (row("createdate", "IS_BEFORE", "2020-02-30"), "takes a date such as 2026-03-31"),
        (row("createdate", "IN_LAST_DAYS", "0"), "a whole number of days from 1 to 36,500"),
        (row("createdate", "IN_LAST_DAYS", "²"), "a whole number of days"),
        (row("hs_email_optout", "IS_EQUAL_TO", "maybe"), "is yes or no"),
        (row("lifecyclestage", "IS_ANY_OF", "VIP"), "Lifecycle Stage has no option VIP"),
    ],
)
def test_bad_conditions_are_refused_in_plain_words(admin_web: Client, connected, rows, message):
    response = build(admin_web, **rows)
    assert response.status_code == 400
    shown = BeautifulSoup(response.content, "html.parser").select_one("[data-testid=builder-error]")
    assert message in shown.get_text()
    assert not AuditEvent.objects.filter(action="list.created").exists()


def test_a_name_longer_than_hubspot_allows_is_refused(admin_web: Client, hubspot: HubSpotSide):
    response = build(admin_web, "n" * 256, **row("jobtitle", "IS_KNOWN"))
    assert response.status_code == 400
    assert "at most 255 characters; this one has 256" in response.content.decode()
    assert hubspot.call("POST", "/crm/v3/lists/search", {"query": "nnn"})["total"] == 0
    assert build(admin_web, "n" * 255, **row("jobtitle", "IS_KNOWN")).status_code == 302


def test_long_bad_input_is_not_repeated_in_full(admin_web: Client, connected) -> None:
    value = "x" * 5000
    response = build(admin_web, **row("jobtitle", "NOPE" + value, "CEO"))
    assert value[:200] not in response.content.decode()
    status = admin_web.get(reverse("contacts_list_status", args=["y" * 5000]))
    assert "y" * 200 not in status.content.decode() and "is not a HubSpot list id" in (
        status.content.decode()
    )
    saved = admin_web.post(reverse("contacts_list_save"), {"list_id": "z" * 5000}, follow=True)
    text = saved.content.decode()
    assert "is not a HubSpot list id" in text and "z" * 200 not in text


def ready_page(web: Client, list_id: str) -> BeautifulSoup:
    """The status page once HubSpot has processed the list (as htmx polls it)."""
    url = reverse("contacts_list_status", args=[list_id])
    for _ in range(10):
        page = BeautifulSoup(web.get(url, HTTP_HX_REQUEST="true").content, "html.parser")
        if not page.select_one("[data-testid=list-processing]"):
            return BeautifulSoup(web.get(url).content, "html.parser")
    raise AssertionError("the list is still processing")


def test_the_ready_page_counts_the_members(admin_web: Client, hubspot: HubSpotSide) -> None:
    hubspot.create_contacts(
        person("a@example.com", jobtitle="CEO"), person("b@example.com", jobtitle="CEO")
    )
    page = ready_page(admin_web, hubspot.create_list("CEOs", jobtitle="CEO"))
    assert page.select_one("[data-testid=list-size]").get_text() == "2"
    assert "2 members" in page.select_one("[data-testid=list-ready]").get_text(" ", strip=True)
    assert page.find("button", string=lambda s: s and s.startswith("Use “CEOs”"))


def test_a_static_list_is_not_offered_as_the_inclusion_list(
    admin_web: Client, hubspot: HubSpotSide
) -> None:
    page = ready_page(admin_web, hubspot.create_list("Hand-picked", processing_type="MANUAL"))
    assert not page.find("button", string=lambda s: s and s.startswith("Use"))
    assert "is a static list" in page.select_one("[data-testid=list-static]").get_text()
