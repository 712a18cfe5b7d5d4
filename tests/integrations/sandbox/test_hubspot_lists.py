"""Lists v3 in the HubSpot sandbox: filters, DYNAMIC upkeep, memberships, search, demo lists."""

from __future__ import annotations

from typing import Any

import pytest

from integrations.sandbox.demo import EMEA
from tests.integrations.sandbox.test_hubspot_http import Api, _error


@pytest.fixture
def api(sandbox) -> Api:
    return Api(sandbox.info["hubspot"])


def _filter(prop: str, operation_type: str, operator: str, **value: Any) -> dict[str, Any]:
    return {
        "filterType": "PROPERTY",
        "property": prop,
        "operation": {"operationType": operation_type, "operator": operator, **value},
    }


def _branch(*filters: dict[str, Any]) -> dict[str, Any]:
    return {
        "filterBranchType": "OR",
        "filters": [],
        "filterBranches": [
            {"filterBranchType": "AND", "filters": list(filters), "filterBranches": []}
        ],
    }


def _create_list(api: Api, name: str, processing_type: str, branch: Any = None):
    body: dict[str, Any] = {"name": name, "objectTypeId": "0-1", "processingType": processing_type}
    if branch is not None:
        body["filterBranch"] = branch
    return api("POST", "/crm/v3/lists", json=body)


def _members(api: Api, list_id: str, limit: int = 250) -> list[str]:
    seen: list[str] = []
    params: dict[str, Any] = {"limit": limit}
    while True:
        page = api("GET", f"/crm/v3/lists/{list_id}/memberships", params=params)
        assert page.status_code == 200, page.text
        seen += [m["recordId"] for m in page.json()["results"]]
        after = page.json().get("paging", {}).get("next", {}).get("after")
        if not after:
            return seen
        params["after"] = after


CUSTOMERS = _branch(
    _filter("lifecyclestage", "ENUMERATION", "IS_ANY_OF", values=["customer"]),
)


def test_dynamic_list_follows_contact_writes(api):
    contact = api.create(email="turncoat@example.com", lifecyclestage="lead")
    created = _create_list(api, "Customers", "DYNAMIC", CUSTOMERS)
    assert created.status_code == 200, created.text
    list_id = created.json()["list"]["listId"]
    assert created.json()["list"]["processingStatus"] == "PROCESSING"
    assert _members(api, list_id) == []

    path = f"/crm/v3/objects/contacts/{contact['id']}"
    api("PATCH", path, json={"properties": {"lifecyclestage": "customer"}})
    assert _members(api, list_id) == [contact["id"]]
    api("PATCH", path, json={"properties": {"lifecyclestage": "lead"}})
    assert _members(api, list_id) == []
    api("PATCH", path, json={"properties": {"lifecyclestage": "customer"}})
    api("DELETE", path)
    assert _members(api, list_id) == []
    newcomer = api.create(email="new@example.com", lifecyclestage="customer")
    assert _members(api, list_id) == [newcomer["id"]]


def test_dynamic_list_is_processing_then_complete(api):
    list_id = _create_list(api, "Slow", "DYNAMIC", CUSTOMERS).json()["list"]["listId"]
    statuses = [
        api("GET", f"/crm/v3/lists/{list_id}").json()["list"]["processingStatus"] for _ in range(3)
    ]
    assert statuses == ["PROCESSING", "COMPLETE", "COMPLETE"]
    with_filters = api("GET", f"/crm/v3/lists/{list_id}?includeFilters=true").json()["list"]
    branch = with_filters["filterBranch"]
    assert branch["filterBranchType"] == "OR" and branch["filterBranchOperator"] == "OR"
    assert "filterBranch" not in api("GET", f"/crm/v3/lists/{list_id}").json()["list"]


@pytest.mark.parametrize(
    ("branch", "words"),
    [
        (_branch(_filter("shoe_size", "STRING", "IS_EQUAL_TO", value="44")), "shoe_size"),
        (_branch(_filter("firstname", "STRING", "IS_ANY_OF", value="A")), "IS_ANY_OF"),
        (_branch(_filter("firstname", "NUMBER", "IS_EQUAL_TO", value=1)), "type string"),
        (_branch(_filter("firstname", "FUZZY", "IS_EQUAL_TO", value="A")), "FUZZY"),
        ({"filterBranchType": "AND", "filters": [], "filterBranches": []}, "OR"),
        (_branch(), "root"),
        ({**_branch(), "filterBranches": [{"filterBranchType": "AND", "filters": []}]}, "at least"),
        (_branch(_filter("lifecyclestage", "ENUMERATION", "IS_ANY_OF")), "values"),
        (_branch(_filter("num_employees", "NUMBER", "IS_GREATER_THAN", value="x")), "numeric"),
    ],
)
def test_bad_filter_branches_are_400_in_plain_words(api, branch, words):
    if branch == _branch():
        branch = {**_branch(), "filters": [_filter("email", "ALL_PROPERTY", "IS_KNOWN")]}
    response = _create_list(api, "Broken", "DYNAMIC", branch)
    body = _error(response, 400, "VALIDATION_ERROR")
    assert words in body["message"]


def test_every_documented_operator_filters(api):
    api.create(email="a@example.com", firstname="Anna", num_employees="50", hs_email_optout="true")
    api.create(email="b@example.org", firstname="Bert", num_employees="5")
    cases = {
        "STRING IS_EQUAL_TO": _filter("firstname", "STRING", "IS_EQUAL_TO", value="anna"),
        "STRING IS_NOT_EQUAL_TO": _filter("firstname", "STRING", "IS_NOT_EQUAL_TO", value="anna"),
        "CONTAINS": _filter("email", "STRING", "CONTAINS", value="@example.org"),
        "DOES_NOT_CONTAIN": _filter("email", "STRING", "DOES_NOT_CONTAIN", value=".org"),
        "STARTS_WITH": _filter("firstname", "STRING", "STARTS_WITH", value="Be"),
        "ENDS_WITH": _filter("email", "STRING", "ENDS_WITH", value=".com"),
        "MULTISTRING": _filter("firstname", "MULTISTRING", "IS_EQUAL_TO", values=["x", "bert"]),
        "GT": _filter("num_employees", "NUMBER", "IS_GREATER_THAN", value=5),
        "GTE": _filter("num_employees", "NUMBER", "IS_GREATER_THAN_OR_EQUAL_TO", value=5),
        "LT": _filter("num_employees", "NUMBER", "IS_LESS_THAN", value=50),
        "LTE": _filter("num_employees", "NUMBER", "IS_LESS_THAN_OR_EQUAL_TO", value=5),
        "BOOL": _filter("hs_email_optout", "BOOL", "IS_EQUAL_TO", value=True),
        "KNOWN": _filter("hs_email_optout", "ALL_PROPERTY", "IS_KNOWN"),
        "UNKNOWN": _filter("hs_email_optout", "ALL_PROPERTY", "IS_UNKNOWN"),
        "NONE_OF": _filter("firstname", "STRING", "IS_NOT_EQUAL_TO", value="bert"),
    }
    expected = {
        "STRING IS_EQUAL_TO": ["Anna"],
        "STRING IS_NOT_EQUAL_TO": ["Bert"],
        "CONTAINS": ["Bert"],
        "DOES_NOT_CONTAIN": ["Anna"],
        "STARTS_WITH": ["Bert"],
        "ENDS_WITH": ["Anna"],
        "MULTISTRING": ["Bert"],
        "GT": ["Anna"],
        "GTE": ["Anna", "Bert"],
        "LT": ["Bert"],
        "LTE": ["Bert"],
        "BOOL": ["Anna"],
        "KNOWN": ["Anna"],
        "UNKNOWN": ["Bert"],
        "NONE_OF": ["Anna"],
    }
    names = {}
    for contact in api("GET", "/crm/v3/objects/contacts?properties=firstname").json()["results"]:
        names[contact["id"]] = contact["properties"]["firstname"]
    for label, one in cases.items():
        created = _create_list(api, label, "DYNAMIC", _branch(one))
        assert created.status_code == 200, (label, created.text)
        members = _members(api, created.json()["list"]["listId"])
        assert sorted(names[m] for m in members) == expected[label], label


def test_manual_lists_take_members_dynamic_lists_refuse(api, sandbox):
    contact = api.create(email="m@example.com", lifecyclestage="customer")
    dynamic = _create_list(api, "Active", "DYNAMIC", CUSTOMERS).json()["list"]["listId"]
    refused = api("PUT", f"/crm/v3/lists/{dynamic}/memberships/add", json=[contact["id"]])
    assert "DYNAMIC" in _error(refused, 400, "VALIDATION_ERROR")["message"]

    # the user turns the active list static in HubSpot: members stay, edits are allowed
    sandbox.hubspot.control("PATCH", f"lists/{dynamic}", {"processingType": "MANUAL"})
    assert api("GET", f"/crm/v3/lists/{dynamic}").json()["list"]["processingType"] == "MANUAL"
    assert _members(api, dynamic) == [contact["id"]]
    removed = api("PUT", f"/crm/v3/lists/{dynamic}/memberships/remove", json=[contact["id"]])
    assert removed.json()["recordIdsRemoved"] == [contact["id"]]
    api("PATCH", f"/crm/v3/objects/contacts/{contact['id']}", json={"properties": {"city": "x"}})
    assert _members(api, dynamic) == []

    not_ids = api("PUT", f"/crm/v3/lists/{dynamic}/memberships/add", json={"ids": []})
    _error(not_ids, 400, "VALIDATION_ERROR")


def test_duplicate_names_and_bad_requests(api):
    assert _create_list(api, "Newsletter", "MANUAL").status_code == 200
    duplicate = _error(_create_list(api, "newsletter", "MANUAL"), 400, "VALIDATION_ERROR")
    assert duplicate["subCategory"] == "ILS.DUPLICATE_LIST_NAMES"
    _error(_create_list(api, "Typeless", "SOMETIMES"), 400, "VALIDATION_ERROR")
    _error(_create_list(api, "Needs filters", "DYNAMIC"), 400, "VALIDATION_ERROR")
    _error(api("GET", "/crm/v3/lists/999"), 404, "OBJECT_NOT_FOUND")
    _error(api("POST", "/crm/v3/lists/search", json={"count": 501}), 400, "VALIDATION_ERROR")


def test_delete_list(api):
    list_id = _create_list(api, "Doomed", "MANUAL").json()["list"]["listId"]
    assert api("DELETE", f"/crm/v3/lists/{list_id}").status_code == 204
    _error(api("GET", f"/crm/v3/lists/{list_id}"), 404, "OBJECT_NOT_FOUND")
    _error(api("GET", f"/crm/v3/lists/{list_id}/memberships"), 404, "OBJECT_NOT_FOUND")


def test_demo_lists_search_pages_and_memberships(api, sandbox):
    sandbox.hubspot.reset("demo")
    seen, offset, total = [], 0, None
    while True:
        page = api("POST", "/crm/v3/lists/search", json={"offset": offset, "count": 10}).json()
        seen += [entry["name"] for entry in page["lists"]]
        total = page["total"]
        if not page["hasMore"]:
            break
        offset = page["offset"]
    assert total == len(seen) == len(set(seen)) >= 44
    assert {"MQLs — EMEA", "All customers", "Newsletter", "Webinar 2025 attendees"} <= set(seen)

    dynamic = api(
        "POST", "/crm/v3/lists/search", json={"query": "MQLs", "processingTypes": ["DYNAMIC"]}
    ).json()["lists"]
    assert [entry["name"] for entry in dynamic] == ["MQLs — EMEA"]
    mqls = dynamic[0]
    members = _members(api, mqls["listId"], limit=50)
    assert members == sorted(members, key=int)
    assert len(members) == int(mqls["additionalProperties"]["hs_list_size"]) > 0
    read = api(
        "POST",
        "/crm/v3/objects/contacts/batch/read",
        json={
            "inputs": [{"id": m} for m in members[:100]],
            "properties": ["country", "lifecyclestage"],
        },
    ).json()["results"]
    assert all(c["properties"]["country"] in EMEA for c in read)
    assert {c["properties"]["lifecyclestage"] for c in read} == {"marketingqualifiedlead"}
    _error(
        api("GET", f"/crm/v3/lists/{mqls['listId']}/memberships?limit=251"), 400, "VALIDATION_ERROR"
    )
