"""The transport retries what is safe to repeat, and counts every attempt."""

import pytest
import requests

from integrations.http.transport import CallMeter, api_session


@pytest.fixture
def hubspot_url(sandbox) -> str:
    return sandbox.info["hubspot"]["base_url"]


def session(sandbox, meter: CallMeter) -> requests.Session:
    token = sandbox.info["hubspot"]["access_token"]
    return api_session(meter=meter, headers={"Authorization": f"Bearer {token}"})


def test_a_503_on_a_read_is_retried_and_every_attempt_counted(sandbox, hubspot_url) -> None:
    sandbox.hubspot.fault(method="GET", path="/crm/v3/owners*", count=2, status=503)
    meter = CallMeter()
    response = session(sandbox, meter).get(f"{hubspot_url}/crm/v3/owners")
    assert response.status_code == 200
    assert meter.total == 3 == sandbox.hubspot.calls()["total"]


def test_a_503_on_a_create_is_not_repeated(sandbox, hubspot_url) -> None:
    sandbox.hubspot.fault(method="POST", path="/crm/v3/objects/contacts", count=1, status=503)
    meter = CallMeter()
    response = session(sandbox, meter).post(
        f"{hubspot_url}/crm/v3/objects/contacts", json={"properties": {"email": "x@example.com"}}
    )
    assert response.status_code == 503
    assert meter.total == 1


def test_a_429_on_a_create_is_repeated_after_retry_after(sandbox, hubspot_url) -> None:
    sandbox.hubspot.fault(
        method="POST",
        path="/crm/v3/objects/contacts",
        count=1,
        status=429,
        headers={"Retry-After": "1"},
    )
    meter = CallMeter()
    response = session(sandbox, meter).post(
        f"{hubspot_url}/crm/v3/objects/contacts", json={"properties": {"email": "y@example.com"}}
    )
    assert response.status_code == 201 and meter.total == 2


def test_a_dropped_connection_during_a_create_is_reported_not_repeated(
    sandbox, hubspot_url
) -> None:
    sandbox.hubspot.fault(method="POST", path="/crm/v3/objects/contacts", count=1, drop=True)
    meter = CallMeter()
    with pytest.raises(requests.ConnectionError, match="not repeated automatically"):
        session(sandbox, meter).post(
            f"{hubspot_url}/crm/v3/objects/contacts",
            json={"properties": {"email": "z@example.com"}},
        )
    assert meter.total == 1
