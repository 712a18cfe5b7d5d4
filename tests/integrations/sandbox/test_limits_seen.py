"""The emulators record the busiest rates they saw and every request they refused for a
limit, so a benchmark can prove a run stayed within the vendors' limits."""

from __future__ import annotations

from tests.integrations.sandbox.test_hubspot_http import Api as HubSpotApi
from tests.integrations.sandbox.test_salesforce_http import Api as SalesforceApi
from tests.integrations.sandbox.test_salesforce_http import V
from tests.sandbox import Sandbox

SEARCH = {"filterGroups": [], "properties": ["email"], "limit": 10}


def test_hubspot_records_its_busiest_windows(sandbox: Sandbox):
    api = HubSpotApi(sandbox.info["hubspot"])
    for _ in range(4):
        assert api("GET", "/crm/v3/owners").status_code == 200
    for _ in range(3):
        assert api("POST", "/crm/v3/objects/contacts/search", json=SEARCH).status_code == 200
    limits = sandbox.hubspot.calls()["limits"]
    assert limits["max_per_10s"] == 7
    assert limits["ten_second_limit"] == 190 and limits["search_per_second"] == 5
    assert 1 <= limits["search_max_per_s"] <= 3
    assert limits["exceeded"] == 0


def test_hubspot_counts_the_429s_it_had_to_answer(sandbox: Sandbox):
    api = HubSpotApi(sandbox.info["hubspot"])
    sandbox.hubspot.settings(ten_second_limit=5)
    statuses = [api("GET", "/crm/v3/owners").status_code for _ in range(7)]
    assert statuses == [200] * 5 + [429] * 2
    limits = sandbox.hubspot.calls()["limits"]
    assert limits["max_per_10s"] == 7 and limits["ten_second_limit"] == 5
    assert limits["exceeded"] == 2
    assert limits["exceeded_by_policy"] == {"TEN_SECONDLY_ROLLING": 2}


def test_hubspot_counts_search_refusals_by_policy(sandbox: Sandbox):
    api = HubSpotApi(sandbox.info["hubspot"])
    sandbox.hubspot.settings(search_per_second=0)
    response = api("POST", "/crm/v3/objects/contacts/search", json=SEARCH)
    assert response.status_code == 429
    limits = sandbox.hubspot.calls()["limits"]
    assert limits["exceeded_by_policy"] == {"SECONDLY": 1}
    assert limits["search_max_per_s"] == 1


def test_calls_reset_clears_the_peaks(sandbox: Sandbox):
    api = HubSpotApi(sandbox.info["hubspot"])
    sandbox.hubspot.settings(ten_second_limit=1)
    api("GET", "/crm/v3/owners")
    api("GET", "/crm/v3/owners")
    assert sandbox.hubspot.calls()["limits"]["exceeded"] == 1
    sandbox.hubspot.control("POST", "calls/reset")
    limits = sandbox.hubspot.calls()["limits"]
    assert limits["exceeded"] == 0 and limits["max_per_10s"] == 0
    assert limits["max_concurrent"] == 0 and limits["latency_by_endpoint"] == {}


def test_salesforce_counts_requests_refused_for_the_daily_limit(sandbox: Sandbox):
    api = SalesforceApi(sandbox)
    sandbox.salesforce.settings(daily_api_limit=2, api_usage=0)
    statuses = [api("GET", f"{V}/limits/").status_code for _ in range(3)]
    assert statuses == [200, 200, 403]
    limits = sandbox.salesforce.calls()["limits"]
    assert limits["exceeded"] == 1
    assert limits["exceeded_by_policy"] == {"REQUEST_LIMIT_EXCEEDED": 1}
    assert limits["max_concurrent"] == 1
