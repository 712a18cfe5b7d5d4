"""The Owners page: HubSpot owners matched to Salesforce users by email, editable, audited."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent
from integrations.models import OwnerMapping
from integrations.sandbox.demo import demo_users
from integrations.sandbox.hubspot.seed import owner_id
from tests.sandbox import Sandbox
from tests.sides import SalesforceSide

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("connected")]

#: the empty seed's reps: 7 on both sides, 2 only in HubSpot, 1 only in Salesforce
REPS = demo_users()
BOTH = [u for u in REPS if u.in_hubspot and u.in_salesforce]
HUBSPOT_ONLY = [u for u in REPS if u.in_hubspot and not u.in_salesforce]
SALESFORCE_ONLY = [u for u in REPS if u.in_salesforce and not u.in_hubspot]


@pytest.fixture
def users(sandbox: Sandbox) -> dict[str, str]:
    """Salesforce user ids by email."""
    side = SalesforceSide(sandbox)
    return {u["Email"]: u["Id"] for u in side.query("SELECT Id, Email FROM User")}


def page(web: Client) -> str:
    response = web.get(reverse("activities_owners"))
    assert response.status_code == 200
    return unescape(response.content.decode())


def owner_rows(shown: str) -> list[str]:
    """The owner ids in the order the table lists them."""
    return re.findall(r'<tr id="owner-(\d+)"', shown)


def choose(web: Client, hubspot_owner_id: str, salesforce_user_id: str) -> str:
    response = web.post(
        reverse("activities_owner_save", args=[hubspot_owner_id]),
        {"salesforce_user_id": salesforce_user_id},
        follow=True,
    )
    assert response.status_code == 200
    return unescape(response.content.decode())


def match_again(web: Client) -> str:
    response = web.post(reverse("activities_owners_match"), follow=True)
    assert response.status_code == 200
    return unescape(response.content.decode())


def test_opening_the_page_matches_owners_by_email_and_lists_the_unmatched_first(
    admin_web: Client, users: dict[str, str]
) -> None:
    shown = page(admin_web)

    for rep in BOTH:
        mapping = OwnerMapping.objects.get(hubspot_owner_id=owner_id(rep.index))
        assert mapping.salesforce_user_id == users[rep.email] and mapping.automatic
    for rep in HUBSPOT_ONLY:
        assert (
            OwnerMapping.objects.get(hubspot_owner_id=owner_id(rep.index)).salesforce_user_id == ""
        )
    assert f"{len(BOTH) + len(HUBSPOT_ONLY)} HubSpot owners" in shown
    assert f"{len(HUBSPOT_ONLY)} without a Salesforce user" in shown
    listed = owner_rows(shown)
    assert set(listed[: len(HUBSPOT_ONLY)]) == {owner_id(u.index) for u in HUBSPOT_ONLY}
    assert shown.count('data-testid="unmatched"') == len(HUBSPOT_ONLY)
    for rep in HUBSPOT_ONLY:
        assert f"{rep.firstname} {rep.lastname}" in shown and rep.email in shown
    assert not AuditEvent.objects.filter(object_label__startswith="Owner mapping").exists()


def test_the_user_dropdown_offers_active_salesforce_users_and_none(
    admin_web: Client, users: dict[str, str]
) -> None:
    rep = BOTH[0]
    shown = page(admin_web)

    select = re.search(rf'<select id="user-{owner_id(rep.index)}".*?</select>', shown, re.S)
    assert select is not None
    offered = re.findall(r'<option value="([^"]*)"', select.group(0))
    assert offered[0] == "" and "— none —" in select.group(0)
    assert set(offered[1:]) == set(users.values())
    chosen = re.findall(r'<option value="([^"]*)" selected', select.group(0))
    assert chosen == [users[rep.email]]


def test_a_manual_choice_is_audited_and_kept_when_matching_again(
    admin_web: Client, users: dict[str, str]
) -> None:
    page(admin_web)
    rep, other = BOTH[0], SALESFORCE_ONLY[0]
    unmatched = HUBSPOT_ONLY[0]

    answer = choose(admin_web, owner_id(rep.index), users[other.email])
    choose(admin_web, owner_id(unmatched.index), users[BOTH[1].email])

    assert f"{rep.firstname} {rep.lastname} is now Salesforce user" in answer
    mapping = OwnerMapping.objects.get(hubspot_owner_id=owner_id(rep.index))
    assert mapping.salesforce_user_id == users[other.email] and not mapping.automatic
    change = AuditEvent.objects.get(object_label=f"Owner mapping: {rep.email}")
    assert change.actor_username == "alice"
    assert change.changes == [
        {"field": "salesforce_user", "before": rep.email, "after": other.email}
    ]
    assert AuditEvent.objects.get(object_label=f"Owner mapping: {unmatched.email}").changes == [
        {"field": "salesforce_user", "before": "unmatched", "after": BOTH[1].email}
    ]

    answer = match_again(admin_web)

    assert "Users chosen by hand were kept" in answer
    assert (
        OwnerMapping.objects.get(hubspot_owner_id=owner_id(rep.index)).salesforce_user_id
        == users[other.email]
    )
    assert (
        OwnerMapping.objects.get(hubspot_owner_id=owner_id(unmatched.index)).salesforce_user_id
        == users[BOTH[1].email]
    )
    assert "chosen by hand" in answer


def test_choosing_none_unmatches_an_owner_for_good(
    admin_web: Client, users: dict[str, str]
) -> None:
    page(admin_web)
    rep = BOTH[2]

    answer = choose(admin_web, owner_id(rep.index), "")

    assert "now has no Salesforce user" in answer
    match_again(admin_web)
    assert OwnerMapping.objects.get(hubspot_owner_id=owner_id(rep.index)).salesforce_user_id == ""
    assert owner_id(rep.index) in owner_rows(page(admin_web))[: len(HUBSPOT_ONLY) + 1]
    [change] = AuditEvent.objects.filter(object_label=f"Owner mapping: {rep.email}")
    assert change.changes[0]["after"] == "unmatched"


def test_a_user_that_is_not_in_salesforce_is_refused(
    admin_web: Client, users: dict[str, str]
) -> None:
    page(admin_web)
    rep = BOTH[0]

    answer = choose(admin_web, owner_id(rep.index), "005000000000ZZZAAA")

    assert "Salesforce has no active user 005000000000ZZZAAA" in answer
    mapping = OwnerMapping.objects.get(hubspot_owner_id=owner_id(rep.index))
    assert mapping.salesforce_user_id == users[rep.email] and mapping.automatic
    assert not AuditEvent.objects.filter(object_label__startswith="Owner mapping").exists()


def test_matching_again_picks_up_a_new_salesforce_user_with_the_same_email(
    admin_web: Client, sandbox: Sandbox
) -> None:
    page(admin_web)
    rep = HUBSPOT_ONLY[0]
    [new_user] = sandbox.salesforce.control(
        "POST",
        "records",
        {
            "type": "User",
            "records": [
                {
                    "Username": rep.email,
                    "Email": rep.email,
                    "FirstName": rep.firstname,
                    "LastName": rep.lastname,
                    "Alias": "newr",
                }
            ],
        },
    )["ids"]

    answer = match_again(admin_web)

    assert f"Matched owners by email: {len(BOTH) + 1} with a Salesforce user" in answer
    mapping = OwnerMapping.objects.get(hubspot_owner_id=owner_id(rep.index))
    assert mapping.salesforce_user_id == new_user and mapping.automatic


def test_an_owner_whose_salesforce_user_was_deactivated_is_flagged_first(
    admin_web: Client, sandbox: Sandbox, users: dict[str, str]
) -> None:
    page(admin_web)
    rep = BOTH[3]
    SalesforceSide(sandbox).update("User", users[rep.email], IsActive=False)

    shown = page(admin_web)

    assert f"{rep.email} is not an active Salesforce user any more" in shown
    assert owner_id(rep.index) in owner_rows(shown)[: len(HUBSPOT_ONLY) + 1]
    select = re.search(rf'<select id="user-{owner_id(rep.index)}".*?</select>', shown, re.S)
    assert select is not None
    assert re.findall(r'<option value="([^"]*)" selected', select.group(0)) == [users[rep.email]]
    assert users[rep.email] not in re.findall(r'<option value="([^"]*)">', select.group(0))


def test_viewers_read_owners_but_cannot_change_them(
    viewer_web: Client, users: dict[str, str]
) -> None:
    shown = page(viewer_web)

    assert "<select" not in shown and "Match owners by email" not in shown
    assert re.findall(r'<form method="post" action="([^"]+)"', shown) == [reverse("logout")]
    rep = BOTH[0]
    assert rep.email in shown
    assert viewer_web.post(reverse("activities_owners_match")).status_code == 403
    response = viewer_web.post(
        reverse("activities_owner_save", args=[owner_id(rep.index)]), {"salesforce_user_id": ""}
    )
    assert response.status_code == 403
    assert OwnerMapping.objects.get(hubspot_owner_id=owner_id(rep.index)).salesforce_user_id


def test_when_hubspot_refuses_the_page_says_so_and_matches_nothing(
    admin_web: Client, sandbox: Sandbox
) -> None:
    sandbox.hubspot.fault(path="/crm/v3/owners*", status=403, count=5)

    shown = page(admin_web)

    assert "Owners could not be matched: HubSpot (HTTP 403)" in shown
    assert "No HubSpot owners yet" in shown
    assert not OwnerMapping.objects.exists()
