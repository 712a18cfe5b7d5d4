"""Lists: only active (DYNAMIC) lists qualify; builder-made lists are evaluated by HubSpot."""

from __future__ import annotations

import pytest

from integrations.http.errors import ApiError
from integrations.hubspot.client import Criterion, HubSpotClient, filter_branch
from tests.integrations.hubspot.conftest import calls_to

MEMBERSHIPS = "GET /crm/v3/lists/<list_id>/memberships"


def _leads(n: int, stage: str, prefix: str) -> list[dict]:
    return [
        {"properties": {"email": f"{prefix}{i}@example.com", "lifecyclestage": stage}}
        for i in range(n)
    ]


def test_list_search_offers_active_lists_only(hubspot: HubSpotClient):
    leads = filter_branch([[Criterion("lifecyclestage", "enumeration", "IS_ANY_OF", ["lead"])]])
    dynamic = hubspot.list_create("Leads (active)", leads)
    hubspot.list_create("Hand-picked", None, processing_type="MANUAL")

    found = [lst for page in hubspot.lists_search() for lst in page]

    assert [lst["name"] for lst in found] == ["Leads (active)"]
    assert str(found[0]["listId"]) == str(dynamic["listId"])
    assert {lst["processingType"] for lst in found} == {"DYNAMIC"}
    everything = [
        lst for page in hubspot.lists_search(processing_types=("MANUAL",)) for lst in page
    ]
    assert [lst["name"] for lst in everything] == ["Hand-picked"]


def test_builder_list_is_evaluated_and_memberships_page_by_250(hubspot: HubSpotClient, sandbox):
    hubspot.contacts_batch_create(_leads(600, "lead", "lead"))
    hubspot.contacts_batch_create(_leads(40, "customer", "cust"))
    hubspot.contacts_batch_create(
        [
            {
                "properties": {
                    "email": "vip@example.com",
                    "lifecyclestage": "customer",
                    "company": "VIP Co",
                }
            }
        ]
    )
    branch = filter_branch(
        [
            [Criterion("lifecyclestage", "enumeration", "IS_ANY_OF", ["lead"])],
            [
                Criterion("lifecyclestage", "enumeration", "IS_ANY_OF", ["customer"]),
                Criterion("company", "string", "IS_EQUAL_TO", "VIP Co"),
            ],
        ]
    )
    created = hubspot.list_create("Leads or VIP customers", branch)
    assert created["processingStatus"] == "PROCESSING"
    listed = hubspot.list_wait_processed(str(created["listId"]), poll_s=0.05)
    assert (listed["processingType"], listed["processingStatus"]) == ("DYNAMIC", "COMPLETE")

    pages = list(hubspot.list_memberships(str(created["listId"])))

    assert [len(p) for p in pages] == [250, 250, 101]
    ids = [i for p in pages for i in p]
    assert ids == sorted(ids, key=int) and len(set(ids)) == 601
    assert calls_to(sandbox, MEMBERSHIPS) == 3
    members = hubspot.contacts_batch_read(ids[-3:], ["email", "lifecyclestage"])
    assert not members.errors


def test_an_invalid_filter_branch_is_refused_with_hubspots_message(hubspot: HubSpotClient):
    bad_root = filter_branch([[Criterion("email", "string", "CONTAINS", "@")]])
    bad_root["filterBranchType"] = "AND"
    with pytest.raises(ApiError) as caught:
        hubspot.list_create("Broken", bad_root)
    assert caught.value.status == 400
    assert caught.value.message


def test_builder_picks_the_operation_type_from_the_property_type():
    branch = filter_branch(
        [
            [
                Criterion("num_employees", "number", "IS_GREATER_THAN", "50"),
                Criterion("hs_email_optout", "bool", "IS_EQUAL_TO", "false"),
                Criterion("jobtitle", "string", "IS_EQUAL_TO", ["CEO", "CTO"]),
                Criterion("phone", "phone_number", "IS_KNOWN"),
            ]
        ]
    )
    operations = [f["operation"] for f in branch["filterBranches"][0]["filters"]]
    assert [o["operationType"] for o in operations] == [
        "NUMBER",
        "BOOL",
        "MULTISTRING",
        "ALL_PROPERTY",
    ]
    assert operations[0]["value"] == 50 and operations[1]["value"] is False
    assert operations[2]["values"] == ["CEO", "CTO"]
    after = filter_branch([[Criterion("createdate", "datetime", "IS_AFTER", "2024-01-01")]])
    point = after["filterBranches"][0]["filters"][0]["operation"]
    assert point["operationType"] == "TIME_POINT" and point["timePoint"]["day"] == 1
    with pytest.raises(ValueError, match="not a date"):
        filter_branch([[Criterion("createdate", "datetime", "IS_BEFORE", "soon")]])
    with pytest.raises(ValueError, match="needs a value"):
        filter_branch([[Criterion("company", "string", "IS_EQUAL_TO", "")]])
    with pytest.raises(ValueError, match="not a number"):
        filter_branch([[Criterion("num_employees", "number", "IS_GREATER_THAN", "many")]])
    with pytest.raises(ValueError, match="at least one row"):
        filter_branch([[]])


def test_waiting_for_processing_gives_up_with_a_clear_error(hubspot: HubSpotClient, sandbox):
    branch = filter_branch([[Criterion("lifecyclestage", "enumeration", "IS_ANY_OF", ["lead"])]])
    sandbox.hubspot.control("PATCH", "settings", {"list_processing_gets": 1000})
    created = hubspot.list_create("Slow", branch)

    with pytest.raises(ApiError, match="still PROCESSING"):
        hubspot.list_wait_processed(str(created["listId"]), timeout_s=0.3, poll_s=0.05)
