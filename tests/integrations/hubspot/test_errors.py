"""Transient failures are retried by the transport; permanent ones surface as named errors."""

from __future__ import annotations

import time

import pytest

from integrations.http.errors import ApiError, AuthenticationFailed, NotFound, RateLimited
from integrations.hubspot.client import HubSpotClient
from tests.integrations.hubspot.conftest import calls_to, make_client
from tests.sides import HubSpotSide

DETAILS = "GET /account-info/v3/details"


def test_429_waits_as_told_then_succeeds(hubspot: HubSpotClient, sandbox, meter):
    sandbox.hubspot.fault(
        method="GET",
        path="/account-info/v3/details",
        status=429,
        headers={"Retry-After": "1"},
        body={
            "status": "error",
            "message": "You have reached your ten_secondly_rolling limit.",
            "errorType": "RATE_LIMIT",
            "correlationId": "c0ffee00-0000-4000-8000-000000000429",
            "policyName": "TEN_SECONDLY_ROLLING",
        },
    )
    started = time.monotonic()
    details = hubspot.account_details()
    waited = time.monotonic() - started

    assert str(details["portalId"]) == str(sandbox.info["hubspot"]["portal_id"])
    assert 0.9 <= waited < 3
    assert calls_to(sandbox, DETAILS) == 2
    assert meter.total == 2


def test_503_then_success(hubspot: HubSpotClient, sandbox):
    sandbox.hubspot.fault(method="GET", path="/account-info/v3/details", status=503)
    assert hubspot.account_details()["portalId"]
    assert calls_to(sandbox, DETAILS) == 2


def test_dropped_connection_then_success(hubspot: HubSpotClient, sandbox, meter):
    sandbox.hubspot.fault(method="GET", path="/account-info/v3/details", drop=True)
    assert hubspot.account_details()["portalId"]
    assert meter.total == 2


def test_400_carries_hubspots_message_category_and_correlation_id(hubspot: HubSpotClient, sandbox):
    sandbox.hubspot.fault(
        method="POST",
        path="/crm/v3/lists",
        status=400,
        body={
            "status": "error",
            "message": "Filter branch of type AND is not allowed at the root",
            "correlationId": "4b5e8a0e-0000-4000-8000-000000000400",
            "category": "VALIDATION_ERROR",
        },
    )
    with pytest.raises(ApiError) as caught:
        hubspot.list_create("Broken", None, processing_type="MANUAL")

    error = caught.value
    assert (error.status, error.category) == (400, "VALIDATION_ERROR")
    assert error.correlation_id == "4b5e8a0e-0000-4000-8000-000000000400"
    assert "Filter branch of type AND is not allowed at the root" in str(error)
    assert "4b5e8a0e-0000-4000-8000-000000000400" in str(error)
    assert calls_to(sandbox, "POST /crm/v3/lists") == 1  # permanent: not retried


def test_a_refused_chunk_fails_its_inputs_and_the_next_chunk_still_goes(
    hubspot: HubSpotClient, sandbox
):
    sandbox.hubspot.fault(
        method="POST",
        path="/crm/v3/objects/contacts/batch/create",
        status=409,
        body={
            "status": "error",
            "message": "Contact already exists. Existing ID: 4242",
            "correlationId": "4b5e8a0e-0000-4000-8000-000000000409",
            "category": "CONFLICT",
        },
    )
    inputs = [{"properties": {"email": f"k{i}@example.com"}} for i in range(150)]

    outcome = hubspot.contacts_batch_create(inputs)

    assert sorted(outcome.results) == list(range(100, 150))
    assert sorted(e.index for e in outcome.errors) == list(range(100))
    first = outcome.error_for(0)
    assert first.whole_chunk and first.category == "CONFLICT"
    assert "Existing ID: 4242" in first.message
    assert outcome.error_for(120) is None
    assert calls_to(sandbox, "POST /crm/v3/objects/contacts/batch/create") == 2


def test_an_existing_email_refuses_its_whole_chunk_and_the_next_chunk_still_goes(
    hubspot: HubSpotClient,
):
    taken = hubspot.contacts_batch_create([{"properties": {"email": "k40@example.com"}}])
    taken_id = taken.results[0]["id"]
    inputs = [{"properties": {"email": f"k{i}@example.com"}} for i in range(150)]

    outcome = hubspot.contacts_batch_create(inputs)

    assert sorted(outcome.results) == list(range(100, 150))
    assert sorted(e.index for e in outcome.errors) == list(range(100))
    assert all(e.whole_chunk and e.category == "CONFLICT" for e in outcome.errors)
    assert f"Contact already exists. Existing ID: {taken_id}" in outcome.error_for(3).message


def test_creating_people_around_an_existing_email_fails_none_of_the_others(sandbox, db):
    side = HubSpotSide(sandbox)
    [taken] = side.create_contacts({"email": "p7@example.com", "firstname": "Old"})
    people = [{"email": f"p{i}@example.com", "firstname": f"P{i}"} for i in range(100)]

    ids = side.create_contacts(*people)

    assert ids[7] == taken and len(set(ids)) == 100
    assert side.contact(taken)["firstname"] == "P7"  # the existing one is updated
    assert side.contact(ids[99])["email"] == "p99@example.com"


def test_a_real_validation_error_names_the_input_and_property(hubspot: HubSpotClient):
    outcome = hubspot.contacts_batch_create(
        [
            {"properties": {"email": "ok@example.com"}},
            {"properties": {"email": "bad@example.com", "no_such_property_xyz": "1"}},
        ]
    )
    assert sorted(outcome.results) == [0]
    [error] = outcome.errors
    assert error.index == 1 and error.category == "VALIDATION_ERROR"
    assert "no_such_property_xyz" in error.message


def test_a_bad_token_raises_authentication_failed_without_the_token(sandbox, db, meter):
    token = "pat-na1-11111111-2222-3333-4444-555555555555"
    client = make_client(sandbox, meter, token=token)

    with pytest.raises(AuthenticationFailed) as caught:
        client.account_details()

    error = caught.value
    assert error.status == 401
    assert token not in str(error)
    assert token not in repr(error.args) and token not in error.message
    assert token not in repr(client)


def test_unknown_list_is_not_found(hubspot: HubSpotClient):
    with pytest.raises(NotFound) as caught:
        hubspot.list_get("987654321")
    assert caught.value.status == 404


def test_rate_limited_after_every_retry_names_the_policy(hubspot: HubSpotClient, sandbox):
    sandbox.hubspot.fault(
        method="GET",
        path="/account-info/v3/details",
        count=10,
        status=429,
        headers={"Retry-After": "0"},
        body={
            "status": "error",
            "message": "You have reached your secondly limit.",
            "errorType": "RATE_LIMIT",
            "correlationId": "c0ffee00-0000-4000-8000-000000000430",
            "policyName": "SECONDLY",
        },
    )
    with pytest.raises(RateLimited) as caught:
        hubspot.account_details()
    assert "SECONDLY" in str(caught.value)
    assert caught.value.correlation_id == "c0ffee00-0000-4000-8000-000000000430"
