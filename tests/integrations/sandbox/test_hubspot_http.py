"""The HubSpot sandbox at the HTTP level: auth, errors, limits, batches, paging, faults."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

RATE_HEADERS = (
    "X-HubSpot-RateLimit-Max",
    "X-HubSpot-RateLimit-Remaining",
    "X-HubSpot-RateLimit-Interval-Milliseconds",
    "X-HubSpot-RateLimit-Daily",
    "X-HubSpot-RateLimit-Daily-Remaining",
)


class Api:
    """Plain ``requests`` with the sandbox token: what any HubSpot client sends."""

    def __init__(self, info: dict[str, Any]) -> None:
        self.base_url = info["base_url"]
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {info['access_token']}"

    def __call__(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, f"{self.base_url}{path}", timeout=30, **kwargs)

    def create(self, **properties: str) -> dict[str, Any]:
        response = self("POST", "/crm/v3/objects/contacts", json={"properties": properties})
        assert response.status_code == 201, response.text
        return response.json()


@pytest.fixture
def api(sandbox) -> Api:
    return Api(sandbox.info["hubspot"])


def _error(response: requests.Response, status: int, category: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == "error" and body["category"] == category
    assert body["correlationId"] and body["message"]
    return body


# --- auth and errors ----------------------------------------------------------------------
def test_missing_or_wrong_token_is_401_with_rate_headers(sandbox):
    url = f"{sandbox.info['hubspot']['base_url']}/crm/v3/objects/contacts"
    for headers in ({}, {"Authorization": "Bearer pat-na1-wrong"}):
        response = requests.get(url, headers=headers, timeout=10)
        _error(response, 401, "INVALID_AUTHENTICATION")
        assert all(h in response.headers for h in RATE_HEADERS)


def test_account_details(api, sandbox):
    body = api("GET", "/account-info/v3/details").json()
    assert body["portalId"] == sandbox.info["hubspot"]["portal_id"]
    assert {"timeZone", "companyCurrency", "uiDomain", "dataHostingLocation"} <= set(body)


def test_unknown_contact_is_404(api):
    _error(api("GET", "/crm/v3/objects/contacts/123"), 404, "OBJECT_NOT_FOUND")
    _error(
        api("PATCH", "/crm/v3/objects/contacts/nobody@example.com?idProperty=email", json={}),
        404,
        "OBJECT_NOT_FOUND",
    )


def test_duplicate_email_is_409_in_hubspots_words(api):
    first = api.create(email="Grace@example.com")
    response = api(
        "POST", "/crm/v3/objects/contacts", json={"properties": {"email": "grace@EXAMPLE.com"}}
    )
    body = _error(response, 409, "CONFLICT")
    assert body["message"] == f"Contact already exists. Existing ID: {first['id']}"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"data": b"{not json", "headers": {"Content-Type": "application/json"}},
        {"data": b""},
        {"json": ["a", "list"]},
    ],
    ids=["malformed", "missing", "not-an-object"],
)
def test_bad_bodies_are_400_not_500(api, kwargs):
    _error(api("POST", "/crm/v3/objects/contacts", **kwargs), 400, "VALIDATION_ERROR")
    _error(api("POST", "/crm/v3/objects/contacts/search", **kwargs), 400, "VALIDATION_ERROR")
    _error(api("POST", "/crm/v3/lists", **kwargs), 400, "VALIDATION_ERROR")


def test_unknown_property_is_property_doesnt_exist(api):
    response = api("POST", "/crm/v3/objects/contacts", json={"properties": {"shoe_size": "44"}})
    body = _error(response, 400, "VALIDATION_ERROR")
    assert body["errors"][0]["code"] == "PROPERTY_DOESNT_EXIST"


def test_every_write_moves_lastmodifieddate_forward(api):
    contact = api.create(email="tick@example.com")
    stamps = [contact["properties"]["lastmodifieddate"]]
    for i in range(5):
        answer = api(
            "PATCH",
            f"/crm/v3/objects/contacts/{contact['id']}",
            json={"properties": {"city": str(i)}},
        )
        stamps.append(answer.json()["properties"]["lastmodifieddate"])
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)


# --- rate limits ---------------------------------------------------------------------------
def test_ten_second_window_answers_429_with_hubspots_body(api, sandbox):
    sandbox.hubspot.control("PATCH", "settings", {"ten_second_limit": 3})
    answers = [api("GET", "/crm/v3/owners") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["X-HubSpot-RateLimit-Remaining"] for a in answers[:3]] == ["2", "1", "0"]
    refused = answers[-1]
    body = refused.json()
    assert body["policyName"] == "TEN_SECONDLY_ROLLING"
    assert body["errorType"] == "RATE_LIMIT" and body["status"] == "error"
    assert body["message"] == "You have reached your ten_secondly_rolling limit."
    assert 1 <= int(refused.headers["Retry-After"]) <= 10
    assert all(h in refused.headers for h in RATE_HEADERS)
    assert refused.headers["X-HubSpot-RateLimit-Max"] == "3"
    assert sandbox.hubspot.calls()["total"] == 4  # the 429 is a call too


def test_search_past_five_per_second_is_secondly_429(api):
    body = {"filterGroups": [], "limit": 1}
    answers = [api("POST", "/crm/v3/objects/contacts/search", json=body) for _ in range(6)]
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert answers[0].headers["X-HubSpot-RateLimit-Secondly"] == "5"
    assert answers[4].headers["X-HubSpot-RateLimit-Secondly-Remaining"] == "0"
    assert answers[5].json()["policyName"] == "SECONDLY"
    assert answers[5].headers["Retry-After"] == "1"
    time.sleep(1.05)
    assert api("POST", "/crm/v3/objects/contacts/search", json=body).status_code == 200


def test_a_search_counts_against_the_limit_when_it_arrives_not_when_it_is_answered(api, sandbox):
    """HubSpot counts calls as they arrive; the time it takes to answer one is not part
    of the window. Five searches, the first answered 0.8 s late, then five more 1.05 s
    after the first arrived: none is refused (counted at its answer, the slow one would
    still be in the window of the second five)."""
    from concurrent.futures import ThreadPoolExecutor

    body = {"filterGroups": [], "limit": 1}
    sandbox.hubspot.fault(path="/crm/v3/objects/contacts/search", latency_ms=800)

    def search() -> int:
        return api("POST", "/crm/v3/objects/contacts/search", json=body).status_code

    with ThreadPoolExecutor(5) as pool:
        first = [pool.submit(search) for _ in range(5)]
        time.sleep(1.05)
        second = [pool.submit(search) for _ in range(5)]
        answers = [f.result() for f in first + second]
    assert answers == [200] * 10


def test_settings_refuse_unknown_names(sandbox):
    with pytest.raises(requests.HTTPError):
        sandbox.hubspot.control("PATCH", "settings", {"tens": 1})
    assert sandbox.hubspot.control("GET", "settings")["search_per_second"] == 5


# --- batches -------------------------------------------------------------------------------
def test_partial_batch_is_207_with_errors_tied_to_inputs(api):
    known = api.create(email="known@example.com")
    response = api(
        "POST",
        "/crm/v3/objects/contacts/batch/update",
        json={
            "inputs": [
                {"id": known["id"], "properties": {"city": "Turku"}},
                {"id": "424242", "properties": {"city": "Turku"}},
                {"id": known["id"], "properties": {"favourite_colour": "red"}},
            ]
        },
    )
    assert response.status_code == 207
    body = response.json()
    assert body["numErrors"] == 2 and len(body["results"]) == 1
    assert {e["category"] for e in body["errors"]} == {"OBJECT_NOT_FOUND", "VALIDATION_ERROR"}
    assert body["errors"][0]["context"]["ids"] == ["424242"]


def test_one_existing_email_refuses_the_whole_batch_create(api):
    known = api.create(email="known@example.com")
    other = api.create(email="other@example.com")
    inputs = [
        {"properties": {"email": "fresh@example.com"}, "objectWriteTraceId": "0"},
        {"properties": {"email": "KNOWN@example.com"}, "objectWriteTraceId": "1"},
        {"properties": {"email": "other@example.com"}, "objectWriteTraceId": "2"},
    ]
    refused = api("POST", "/crm/v3/objects/contacts/batch/create", json={"inputs": inputs})
    body = _error(refused, 409, "CONFLICT")
    assert body["message"] == f"Contact already exists. Existing ID: {known['id']}"
    assert set(body) == {"status", "message", "correlationId", "category"}
    emails = api("GET", "/crm/v3/objects/contacts?properties=email").json()["results"]
    assert sorted(c["id"] for c in emails) == sorted([known["id"], other["id"]])  # none created

    alone = api("POST", "/crm/v3/objects/contacts/batch/create", json={"inputs": inputs[:1]})
    assert alone.status_code == 201 and alone.json()["results"][0]["objectWriteTraceId"] == "0"


def test_two_new_inputs_with_one_email_are_refused_per_input(api):
    inputs = [
        {"properties": {"email": "twice@example.com"}, "objectWriteTraceId": "0"},
        {"properties": {"email": "twice@example.com"}, "objectWriteTraceId": "1"},
    ]
    response = api("POST", "/crm/v3/objects/contacts/batch/create", json={"inputs": inputs})
    assert response.status_code == 207
    [error] = response.json()["errors"]
    assert error["context"]["objectWriteTraceId"] == ["1"] and error["category"] == "CONFLICT"


def test_batch_read_reports_missing_ids(api):
    known = api.create(email="here@example.com")
    response = api(
        "POST",
        "/crm/v3/objects/contacts/batch/read",
        json={"inputs": [{"id": known["id"]}, {"id": "1"}], "properties": ["email"]},
    )
    assert response.status_code == 207
    assert response.json()["errors"][0]["context"]["ids"] == ["1"]


def test_more_than_100_inputs_is_400(api):
    inputs = [{"properties": {"email": f"x{i}@example.com"}} for i in range(101)]
    response = api("POST", "/crm/v3/objects/contacts/batch/create", json={"inputs": inputs})
    _error(response, 400, "VALIDATION_ERROR")
    assert api("GET", "/crm/v3/objects/contacts").json()["results"] == []


def test_batch_create_is_201_and_archive_204(api):
    inputs = [{"properties": {"email": f"ok{i}@example.com"}} for i in range(100)]
    created = api("POST", "/crm/v3/objects/contacts/batch/create", json={"inputs": inputs})
    assert created.status_code == 201 and len(created.json()["results"]) == 100
    ids = [{"id": c["id"]} for c in created.json()["results"]]
    archived = api("POST", "/crm/v3/objects/contacts/batch/archive", json={"inputs": ids})
    assert archived.status_code == 204
    assert api("GET", "/crm/v3/objects/contacts").json()["results"] == []
    gone = api("GET", "/crm/v3/objects/contacts?archived=true&limit=100").json()["results"]
    assert len(gone) == 100 and all(c["archived"] for c in gone)


# --- paging and search ---------------------------------------------------------------------
def test_contact_paging_terminates_and_sees_everyone(api):
    inputs = [{"properties": {"email": f"p{i}@example.com"}} for i in range(25)]
    api("POST", "/crm/v3/objects/contacts/batch/create", json={"inputs": inputs})
    seen, params, pages = [], {"limit": 10}, 0
    while True:
        page = api("GET", "/crm/v3/objects/contacts", params=params).json()
        pages += 1
        seen += [c["id"] for c in page["results"]]
        after = page.get("paging", {}).get("next", {}).get("after")
        if not after:
            break
        params["after"] = after
    assert pages == 3 and len(seen) == len(set(seen)) == 25
    _error(api("GET", "/crm/v3/objects/contacts?limit=101"), 400, "VALIDATION_ERROR")


def test_search_operators_and_dates(api, sandbox):
    sandbox.hubspot.control("PATCH", "settings", {"search_per_second": 100})
    a = api.create(email="ann@example.com", firstname="Ann", country="Finland")
    api.create(email="bob@example.org", firstname="Bob", country="Japan")
    api.create(email="cy@example.org", firstname="Cy")

    def ids(*filters: dict[str, Any], groups: list | None = None) -> list[str]:
        body = {"filterGroups": groups or [{"filters": list(filters)}], "limit": 100}
        answer = api("POST", "/crm/v3/objects/contacts/search", json=body)
        assert answer.status_code == 200, answer.text
        return sorted(c["properties"]["firstname"] for c in answer.json()["results"])

    assert ids({"propertyName": "email", "operator": "EQ", "value": "ANN@example.com"}) == ["Ann"]
    assert ids({"propertyName": "country", "operator": "NEQ", "value": "Japan"}) == ["Ann", "Cy"]
    assert ids({"propertyName": "country", "operator": "IN", "values": ["japan", "finland"]}) == [
        "Ann",
        "Bob",
    ]
    assert ids({"propertyName": "country", "operator": "NOT_IN", "values": ["Japan"]}) == [
        "Ann",
        "Cy",
    ]
    assert ids({"propertyName": "country", "operator": "HAS_PROPERTY"}) == ["Ann", "Bob"]
    assert ids({"propertyName": "country", "operator": "NOT_HAS_PROPERTY"}) == ["Cy"]
    # HubSpot's documented use: a leading wildcard matches an email domain
    wildcard = {"propertyName": "email", "operator": "CONTAINS_TOKEN", "value": "*@example.org"}
    assert ids(wildcard) == ["Bob", "Cy"]
    assert ids({"propertyName": "email", "operator": "CONTAINS_TOKEN", "value": "bob"}) == ["Bob"]
    assert ids({"propertyName": "email", "operator": "NOT_CONTAINS_TOKEN", "value": "bob"}) == [
        "Ann",
        "Cy",
    ]
    created_ms = str(
        int(time.mktime(time.strptime(a["createdAt"][:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone)
        * 1000
    )
    assert ids({"propertyName": "createdate", "operator": "GTE", "value": created_ms}) == [
        "Ann",
        "Bob",
        "Cy",
    ]
    assert ids({"propertyName": "createdate", "operator": "LT", "value": a["createdAt"]}) == []
    assert ids(
        {
            "propertyName": "createdate",
            "operator": "BETWEEN",
            "value": "0",
            "highValue": a["createdAt"],
        }
    ) == ["Ann"]
    either = [
        {"filters": [{"propertyName": "firstname", "operator": "EQ", "value": "Ann"}]},
        {"filters": [{"propertyName": "firstname", "operator": "EQ", "value": "Cy"}]},
    ]
    assert ids(groups=either) == ["Ann", "Cy"]
    too_many = [{"filters": []}] * 6
    response = api("POST", "/crm/v3/objects/contacts/search", json={"filterGroups": too_many})
    _error(response, 400, "VALIDATION_ERROR")
    response = api(
        "POST",
        "/crm/v3/objects/contacts/search",
        json={
            "filterGroups": [
                {"filters": [{"propertyName": "nope", "operator": "EQ", "value": "1"}]}
            ]
        },
    )
    _error(response, 400, "VALIDATION_ERROR")


def test_search_by_id_range_finds_exactly_the_contacts_in_it(api, sandbox):
    """Id bounds (how a big read is cut into slices) with other filters beside them: the
    same contacts as HubSpot's index finds, whatever the bounds' operators."""
    sandbox.hubspot.control("PATCH", "settings", {"search_per_second": 100})
    made = [
        api.create(email=f"r{n}@example.com", jobtitle="VIP" if n % 2 else "Other")
        for n in range(8)
    ]
    ids = [int(c["id"]) for c in made]

    def found(*filters: dict[str, Any]) -> list[int]:
        body = {
            "filterGroups": [{"filters": list(filters)}],
            "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
            "limit": 100,
        }
        answer = api("POST", "/crm/v3/objects/contacts/search", json=body)
        assert answer.status_code == 200, answer.text
        return [int(c["id"]) for c in answer.json()["results"]]  # in id order, as asked

    def bound(operator: str, value: int) -> dict[str, Any]:
        return {"propertyName": "hs_object_id", "operator": operator, "value": str(value)}

    assert found(bound("GT", ids[1]), bound("LTE", ids[5])) == ids[2:6]
    assert found(bound("GTE", ids[1]), bound("LT", ids[5])) == ids[1:5]
    assert found(bound("GT", ids[5])) == ids[6:]
    assert found(bound("EQ", ids[3])) == [ids[3]]
    assert found(bound("GT", ids[6]), bound("LT", ids[2])) == []
    vip = {"propertyName": "jobtitle", "operator": "EQ", "value": "VIP"}
    assert found(bound("GT", ids[1]), bound("LTE", ids[5]), vip) == [ids[3], ids[5]]


def test_search_stops_at_10000_results(api, sandbox):
    sandbox.hubspot.reset("demo", 10_050)
    sandbox.hubspot.control("PATCH", "settings", {"search_per_second": 100})
    body = {"sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}], "limit": 200}
    last = api("POST", "/crm/v3/objects/contacts/search", json={**body, "after": "9800"})
    assert last.status_code == 200
    assert last.json()["total"] == 10_050 and len(last.json()["results"]) == 200
    stamps = [c["properties"]["lastmodifieddate"] for c in last.json()["results"]]
    assert stamps == sorted(stamps)
    past = api("POST", "/crm/v3/objects/contacts/search", json={**body, "after": "9900"})
    _error(past, 400, "VALIDATION_ERROR")
    _error(
        api("POST", "/crm/v3/objects/contacts/search", json={"limit": 201}), 400, "VALIDATION_ERROR"
    )


# --- faults through the base control API ---------------------------------------------------
def test_fault_status_uses_hubspots_error_shape(api, sandbox):
    sandbox.hubspot.fault(method="GET", path="/crm/v3/owners", status=503)
    _error(api("GET", "/crm/v3/owners"), 503, "INTERNAL_ERROR")
    assert api("GET", "/crm/v3/owners").status_code == 200


def test_fault_429_default_body_is_a_rate_limit(api, sandbox):
    sandbox.hubspot.fault(path="/crm/v3/objects/*", status=429, headers={"Retry-After": "2"})
    response = api("GET", "/crm/v3/objects/contacts")
    assert response.status_code == 429 and response.headers["Retry-After"] == "2"
    assert response.json()["policyName"] == "TEN_SECONDLY_ROLLING"


def test_fault_latency(api, sandbox):
    sandbox.hubspot.fault(path="/crm/v3/owners", latency_ms=300)
    started = time.monotonic()
    assert api("GET", "/crm/v3/owners").status_code == 200
    assert time.monotonic() - started >= 0.3


def test_fault_drop(api, sandbox):
    sandbox.hubspot.fault(path="/crm/v3/owners", drop=True)
    with pytest.raises(requests.ConnectionError):
        api("GET", "/crm/v3/owners")
    assert api("GET", "/crm/v3/owners").status_code == 200


def test_fault_record_errors_fail_chosen_inputs(api, sandbox):
    sandbox.hubspot.fault(
        path="/crm/v3/objects/contacts/batch/create",
        record_errors={"1": {"status": 400, "message": "Injected", "category": "VALIDATION_ERROR"}},
    )
    inputs = [
        {"properties": {"email": f"r{i}@example.com"}, "objectWriteTraceId": str(i)}
        for i in range(3)
    ]
    response = api("POST", "/crm/v3/objects/contacts/batch/create", json={"inputs": inputs})
    assert response.status_code == 207
    body = response.json()
    assert [r["objectWriteTraceId"] for r in body["results"]] == ["0", "2"]
    assert body["errors"][0]["message"] == "Injected"
    assert body["errors"][0]["context"]["objectWriteTraceId"] == ["1"]


def test_daily_allowance_runs_out(api, sandbox):
    sandbox.hubspot.control("PATCH", "settings", {"daily_limit": 2})
    answers = [api("GET", "/crm/v3/owners") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[1].headers["X-HubSpot-RateLimit-Daily-Remaining"] == "0"
    assert answers[2].json()["policyName"] == "DAILY"


def test_contact_addressed_by_email_and_archived_reads(api):
    contact = api.create(email="Mixed.Case@example.com")
    by_email = api("GET", "/crm/v3/objects/contacts/mixed.case@example.com?idProperty=email")
    assert by_email.json()["id"] == contact["id"]
    _error(
        api("GET", "/crm/v3/objects/contacts/x@example.com?idProperty=firstname"),
        400,
        "VALIDATION_ERROR",
    )
    assert api("DELETE", f"/crm/v3/objects/contacts/{contact['id']}").status_code == 204
    _error(api("GET", f"/crm/v3/objects/contacts/{contact['id']}"), 404, "OBJECT_NOT_FOUND")
    archived = api("GET", f"/crm/v3/objects/contacts/{contact['id']}?archived=true").json()
    assert archived["archived"] is True and archived["archivedAt"]
    # the email is free again once its contact is archived
    assert api.create(email="mixed.case@example.com")["id"] != contact["id"]


def test_property_values_are_checked_and_stored_as_strings(api):
    contact = api(
        "POST",
        "/crm/v3/objects/contacts",
        json={
            "properties": {"email": "n@example.com", "num_employees": 12, "hs_email_optout": True}
        },
    ).json()
    assert contact["id"]
    got = api(
        "GET", f"/crm/v3/objects/contacts/{contact['id']}?properties=num_employees,hs_email_optout"
    ).json()["properties"]
    assert got["num_employees"] == "12" and got["hs_email_optout"] == "true"
    for bad in ({"lifecyclestage": "royalty"}, {"num_employees": "many"}, {"createdate": "soon"}):
        response = api("POST", "/crm/v3/objects/contacts", json={"properties": bad})
        _error(response, 400, "VALIDATION_ERROR")
    _error(api("GET", "/crm/v3/properties/contacts/shoe_size"), 404, "OBJECT_NOT_FOUND")


def test_search_free_text_query_and_default_properties(api):
    api.create(email="lin.chen@example.com", firstname="Lin", lastname="Chen", company="Contoso")
    api.create(email="omar@example.com", firstname="Omar", company="Fabrikam")
    answer = api("POST", "/crm/v3/objects/contacts/search", json={"query": "conto"}).json()
    assert [c["properties"]["firstname"] for c in answer["results"]] == ["Lin"]
    assert {"createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"} <= (
        set(answer["results"][0]["properties"])
    )
