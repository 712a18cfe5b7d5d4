"""Transient failures are the transport's business; the rest come out named, in its own words."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
import requests

from integrations.http.errors import ApiError, BudgetExhausted, NotFound
from integrations.http.transport import CallMeter
from integrations.salesforce.client import SalesforceClient
from tests.integrations.salesforce.conftest import calls, login, reset_calls, sf_session
from tests.sandbox import Sandbox
from tests.sides import soql_records


def test_an_injected_503_is_retried_by_the_transport(
    sf: SalesforceClient, sandbox: Sandbox
) -> None:
    sandbox.salesforce.fault(method="GET", path="*/limits*", count=1, status=503)

    assert sf.limits()["max"] > 0
    assert calls(sandbox, "GET", "/limits") == 2


def test_a_429_waits_as_retry_after_says_then_succeeds(
    sf: SalesforceClient, sandbox: Sandbox
) -> None:
    sandbox.salesforce.fault(
        method="GET", path="*/limits*", count=1, status=429, headers={"Retry-After": "1"}
    )
    started = time.monotonic()

    assert sf.limits()["max"] > 0
    assert time.monotonic() - started >= 1.0
    assert calls(sandbox, "GET", "/limits") == 2


def test_a_malformed_query_is_an_api_error_with_salesforces_code(sf: SalesforceClient) -> None:
    with pytest.raises(ApiError) as caught:
        soql_records(sf, "SELECT Id FROMM Contact")

    assert caught.value.status == 400
    assert caught.value.category == "MALFORMED_QUERY"
    assert caught.value.message


def test_the_error_keeps_salesforces_own_message(sf: SalesforceClient, sandbox: Sandbox) -> None:
    body = [{"message": "unexpected token: 'FROMM'", "errorCode": "MALFORMED_QUERY"}]
    sandbox.salesforce.fault(method="GET", path="*/query*", status=400, body=body)

    with pytest.raises(ApiError) as caught:
        soql_records(sf, "SELECT Id FROM Contact")

    assert caught.value.message == "unexpected token: 'FROMM'"
    assert str(caught.value) == "Salesforce (HTTP 400) [MALFORMED_QUERY]: unexpected token: 'FROMM'"


def test_the_orgs_spent_daily_limit_is_an_api_error_with_request_limit_exceeded(
    sf: SalesforceClient, sandbox: Sandbox
) -> None:
    sandbox.salesforce.control("PATCH", "settings", {"daily_api_limit": 1})

    with pytest.raises(ApiError) as caught:
        sf.limits()
        sf.limits()

    assert caught.value.status == 403
    assert caught.value.category == "REQUEST_LIMIT_EXCEEDED"


def test_an_unknown_object_is_not_found(sf: SalesforceClient) -> None:
    with pytest.raises(NotFound):
        sf.describe("NoSuchThing__c")


def test_a_spent_syncadmin_budget_propagates_untouched(sandbox: Sandbox) -> None:
    budget_spent = BudgetExhausted("budget used up", resume_at=datetime(2030, 1, 1, tzinfo=UTC))
    calls_allowed = [1]

    def gate(request: requests.PreparedRequest) -> None:
        if not calls_allowed:
            raise budget_spent
        calls_allowed.pop()

    client = login(sandbox, session=sf_session(sandbox.info["salesforce"], before_call=[gate]))
    reset_calls(sandbox)

    with pytest.raises(BudgetExhausted) as caught:
        client.limits()

    assert caught.value is budget_spent
    assert sandbox.salesforce.calls()["total"] == 0


def test_every_attempt_is_counted_on_the_sessions_meter(sandbox: Sandbox) -> None:
    meter = CallMeter()
    client = login(sandbox, session=sf_session(sandbox.info["salesforce"], meter=meter))
    sandbox.salesforce.fault(method="GET", path="*/limits*", count=1, status=503)

    client.limits()

    assert meter.total == 3  # login, 503, retry


def test_a_dropped_connection_is_retried_by_the_transport(
    sf: SalesforceClient, sandbox: Sandbox
) -> None:
    sandbox.salesforce.fault(method="GET", path="*/limits*", count=1, drop=True)

    assert sf.limits()["max"] > 0
    assert calls(sandbox, "GET", "/limits") == 2
