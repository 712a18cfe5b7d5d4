"""Reads: lazy query paging, limits and usage, describe (cached), picklists, users."""

from __future__ import annotations

from integrations.salesforce import limits
from integrations.salesforce.client import SalesforceClient
from tests.integrations.salesforce.conftest import calls, login, reset_calls
from tests.sandbox import Sandbox
from tests.sides import soql_records


def query_calls(sandbox: Sandbox) -> int:
    return calls(sandbox, "GET", "/query")


def test_query_pages_fetches_each_page_only_when_it_is_reached(
    sf: SalesforceClient, sandbox: Sandbox
) -> None:
    total = 2 * limits.QUERY_PAGE_SIZE + 100
    assert all(
        r.success for r in sf.create("Contact", [{"LastName": f"P{i}"} for i in range(total)])
    )
    reset_calls(sandbox)

    pages = sf.query_pages("SELECT Id, LastName FROM Contact")
    assert query_calls(sandbox) == 0  # a generator: nothing is sent before the first read

    first = next(pages)
    assert query_calls(sandbox) == 1
    assert first["totalSize"] == total and len(first["records"]) == limits.QUERY_PAGE_SIZE
    seen = first["records"] + next(pages)["records"]
    assert query_calls(sandbox) == 2
    seen += [record for page in pages for record in page["records"]]

    assert query_calls(sandbox) == 3
    assert len(seen) == total
    assert len({r["Id"] for r in seen}) == total


def test_query_pages_with_deleted_uses_query_all(sf: SalesforceClient, sandbox: Sandbox) -> None:
    sf.create("Contact", [{"LastName": "Kept"}])
    reset_calls(sandbox)

    names = [r["LastName"] for r in soql_records(sf, "SELECT LastName FROM Contact", True)]

    assert names == ["Kept"]
    assert calls(sandbox, "GET", "/queryAll") == 1


def test_limits_and_the_usage_reported_on_every_response(sf: SalesforceClient) -> None:
    daily = sf.limits()

    assert daily["max"] > 0
    assert daily["used"] + daily["remaining"] == daily["max"]
    usage = sf.api_usage()
    assert usage is not None
    assert usage["max"] == daily["max"]
    assert usage["used"] >= 1


def test_describe_is_fetched_once_per_client(sf: SalesforceClient, sandbox: Sandbox) -> None:
    reset_calls(sandbox)

    first = sf.describe("Task")
    second = sf.describe("Task")

    assert first is second
    assert first["name"] == "Task"
    assert sandbox.salesforce.calls()["total"] == 1


def test_task_type_picklist_values_fill_the_task_type_dropdown(sf: SalesforceClient) -> None:
    values = sf.picklist_values("Task", "Type")

    labels = [v.value for v in values]
    assert {"Call", "Email", "Meeting"} <= set(labels)
    assert len(labels) == len(set(labels))
    field = next(f for f in sf.describe("Task")["fields"] if f["name"] == "Type")
    assert labels == [v["value"] for v in field["picklistValues"] if v["active"]]


def test_an_edited_picklist_shows_on_the_next_client(sandbox: Sandbox) -> None:
    sandbox.salesforce.control("PUT", "picklists/Task/Type", {"values": ["Call", "Demo"]})

    values = login(sandbox).picklist_values("Task", "Type")

    assert [(v.value, v.label) for v in values] == [("Call", "Call"), ("Demo", "Demo")]


def test_users_include_the_integration_user(sf: SalesforceClient) -> None:
    me = sf.identity()

    users = list(sf.users())

    assert any(u["Id"] == me["user_id"] and u["IsActive"] for u in users)
    assert all(set(u) == {"Id", "Name", "Email", "IsActive"} for u in users)
