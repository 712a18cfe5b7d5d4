"""The rules of the connection state, through our real clients against the sandbox: what
sets it, what clears it, what it costs, and that a secret never shows."""

from __future__ import annotations

import logging
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import AuditEvent
from integrations.connections import hubspot_client, salesforce_client
from integrations.http import errors
from integrations.models import HubSpotConnection, SalesforceConnection
from integrations.pages.connections.services import (
    connections_test,
    connections_use_sandbox,
    salesforce_connection_update,
)
from tests.integrations.connection_state.test_connection_state import badge
from tests.sandbox import Sandbox

pytestmark = pytest.mark.django_db

WRONG_TOKEN = "pat-eu1-0badf00d-dead-beef-0000-123456789abc"


@pytest.fixture
def connected(sandbox: Sandbox) -> Sandbox:
    connections_use_sandbox(info=sandbox.info)
    return sandbox


def _save_hubspot_token(web: Client, sandbox: Sandbox, token: str):
    return web.post(
        reverse("connections_hubspot_save"),
        {
            "base_url": sandbox.info["hubspot"]["base_url"],
            "access_token": token,
            "ten_second_limit": "190",
            "search_per_second": "5",
        },
    )


def test_a_wrong_token_saved_on_connections_is_never_called_working(
    connected: Sandbox, admin_web: Client, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    admin_web.post(reverse("connections_test"))
    assert badge(admin_web.get(reverse("connections")).content.decode(), "HubSpot") == "Working"

    _save_hubspot_token(admin_web, connected, WRONG_TOKEN)
    page = admin_web.get(reverse("connections")).content.decode()
    assert badge(page, "HubSpot") == "Not tested yet"

    admin_web.post(reverse("connections_test"))
    page = admin_web.get(reverse("connections")).content.decode()
    assert badge(page, "HubSpot") == "Token refused"
    assert 'data-testid="connection-alert-hubspot"' in page and "INVALID_AUTHENTICATION" in page

    _save_hubspot_token(admin_web, connected, connected.info["hubspot"]["access_token"])
    page = admin_web.get(reverse("connections")).content.decode()
    assert badge(page, "HubSpot") == "Token refused"  # until a call succeeds
    admin_web.post(reverse("connections_test"))
    page = admin_web.get(reverse("connections")).content.decode()
    assert badge(page, "HubSpot") == "Working" and "connection-alert" not in page
    actions = list(
        AuditEvent.objects.filter(action__startswith="connection.auth")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["connection.auth_failed", "connection.auth_restored"]
    trail = str(list(AuditEvent.objects.values())) + caplog.text + page
    assert WRONG_TOKEN not in trail and connected.info["hubspot"]["access_token"] not in trail


def test_a_page_preview_refused_by_hubspot_sets_the_state(
    connected: Sandbox, admin_web: Client
) -> None:
    connected.hubspot_token_revoke()
    answer = admin_web.get(reverse("contacts_list_choices"), {"q": "x"})
    assert answer.status_code == 200
    assert HubSpotConnection.load().auth_failed_at is not None


def test_a_missing_scope_is_cleared_by_that_call_only(connected: Sandbox) -> None:
    connected.hubspot_scopes_remove("crm.lists.read")
    client = hubspot_client()
    with pytest.raises(errors.AuthenticationFailed):
        list(client.lists_search(query=""))
    row = HubSpotConnection.load()
    assert row.auth_failed_at is not None and "crm.lists.read" in row.auth_error
    assert row.auth_error.endswith("Refused call: POST /crm/v3/lists/search")

    # the token still reads the account: that says nothing about the missing scope
    client.account_details()
    assert HubSpotConnection.load().auth_failed_at is not None

    connected.hubspot_scopes_remove()
    list(client.lists_search(query=""))
    assert HubSpotConnection.load().auth_failed_at is None
    assert AuditEvent.objects.filter(action="connection.auth_failed").count() == 1
    assert AuditEvent.objects.filter(action="connection.auth_restored").count() == 1


def test_of_two_refused_calls_the_first_stands_and_its_success_clears_it(
    connected: Sandbox,
) -> None:
    """Two workers refused two different calls: both must wait for the same one."""
    connected.salesforce_api_enabled(False)
    client = salesforce_client()
    for object_type in ("Lead", "Contact"):
        with pytest.raises(errors.ApiError):
            client.describe(object_type)
    row = SalesforceConnection.load()
    assert row.auth_error.endswith("Refused call: GET /services/data/v59.0/sobjects/Lead/describe")

    connected.salesforce_api_enabled(True)
    client.describe("Lead")
    assert SalesforceConnection.load().auth_failed_at is None
    assert AuditEvent.objects.filter(action="connection.auth_restored").count() == 1


def test_the_org_daily_limit_is_not_a_permission_refusal(connected: Sandbox) -> None:
    connected.salesforce.control("PATCH", "settings", {"daily_api_limit": 1, "api_usage": 1})
    client = salesforce_client()
    with pytest.raises(errors.ApiError) as refused:
        client.limits()
    assert refused.value.status == 403 and refused.value.category == "REQUEST_LIMIT_EXCEEDED"
    assert SalesforceConnection.load().auth_failed_at is None
    assert not AuditEvent.objects.filter(action="connection.auth_failed").exists()


def test_an_expired_session_is_not_a_refusal_when_the_re_login_works(connected: Sandbox) -> None:
    client = salesforce_client()
    connected.salesforce.control("POST", "sessions/expire")
    assert client.limits()["max"] > 0
    assert SalesforceConnection.load().auth_failed_at is None


def test_an_expired_session_whose_re_login_fails_is_a_refusal(connected: Sandbox) -> None:
    client = salesforce_client()
    connected.salesforce_password_change("someone-else-changed-it-3")
    with pytest.raises(errors.AuthenticationFailed):
        client.limits()
    row = SalesforceConnection.load()
    assert row.auth_failed_at is not None and "INVALID_LOGIN" in row.auth_error


def test_successful_calls_cost_no_write_and_almost_no_reads(connected: Sandbox) -> None:
    client = hubspot_client()
    client.account_details()  # learns the state is fine
    with CaptureQueriesContext(connection) as queries:
        for _ in range(30):
            client.account_details()
    touching = [q["sql"] for q in queries if re.search(r"hubspotconnection", q["sql"], re.I)]
    assert touching == []


def test_refusals_and_recoveries_are_audited_once_per_transition(connected: Sandbox) -> None:
    client = hubspot_client()
    connected.hubspot_token_revoke()
    for _ in range(3):
        with pytest.raises(errors.AuthenticationFailed):
            client.account_details()
    connected.hubspot_token_revoke(False)
    for _ in range(3):
        client.account_details()
    trail = AuditEvent.objects.filter(action__startswith="connection.auth").order_by("id")
    assert [(e.action, e.object_label) for e in trail] == [
        ("connection.auth_failed", "HubSpot connection"),
        ("connection.auth_restored", "HubSpot connection"),
    ]
    assert "INVALID_AUTHENTICATION" in trail[0].message


def test_viewers_see_the_state_too(connected: Sandbox, viewer_web: Client) -> None:
    connected.hubspot_token_revoke()
    with pytest.raises(errors.AuthenticationFailed):
        hubspot_client().account_details()
    for name in ("overview", "connections", "health"):
        page = viewer_web.get(reverse(name)).content.decode()
        assert 'data-testid="connection-alert-hubspot"' in page, name


def test_an_expired_salesforce_access_token_asks_for_a_fresh_one(
    connected: Sandbox, admin_web: Client
) -> None:
    salesforce_connection_update(
        actor=None,
        values={
            "auth_mode": SalesforceConnection.AuthMode.TOKEN,
            "instance_url": connected.info["salesforce"]["instance_url"],
            "access_token": "00Dexpired!AQ-no-longer-valid",
        },
    )
    assert not connections_test().salesforce.ok
    page = admin_web.get(reverse("connections")).content.decode()
    assert badge(page, "Salesforce") == "Token refused"
    alert = re.search(r'data-testid="connection-alert-salesforce">(.*?)</article>', page, re.S)
    assert alert and "Salesforce refused the access token" in alert.group(1)
    assert "INVALID_SESSION_ID" in alert.group(1) and "fresh access token" in alert.group(1)
    assert "00Dexpired!AQ-no-longer-valid" not in page


def test_sync_health_names_a_refused_token_once(connected: Sandbox, admin_web: Client) -> None:
    _save_hubspot_token(admin_web, connected, WRONG_TOKEN)
    admin_web.post(reverse("connections_test"))
    page = admin_web.get(reverse("health")).content.decode()
    assert 'data-testid="connection-alert-hubspot"' in page
    # the refusal's banner says what to do; the older "connection is failing" entry would
    # say the same thing a second time
    assert "The HubSpot connection is failing" not in page
