"""Test connection (button and CLI) against the sandbox: details, exact errors, no secrets."""

import logging

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from integrations.models import HubSpotConnection, SalesforceConnection
from integrations.pages.connections.services import (
    connections_use_sandbox,
    hubspot_connection_update,
    salesforce_connection_update,
)

pytestmark = pytest.mark.django_db

WRONG_TOKEN = "pat-na1-wrong-0000-1111-2222-333333333333"
WRONG_PASSWORD = "definitely-Not-the-password-42"


@pytest.fixture
def connected(sandbox):
    connections_use_sandbox(info=sandbox.info)
    return sandbox


def test_the_cli_shows_both_sides_and_exits_zero(connected, capsys) -> None:
    call_command("connections", "test")
    out = capsys.readouterr().out
    portal = str(connected.info["hubspot"]["portal_id"])
    assert "HubSpot: OK" in out and f"Portal id: {portal}" in out
    assert "Web app: app-eu1.hubspot.com" in out  # the sandbox portal is hosted in the EU
    assert "Salesforce: OK" in out and "Org id: 00D" in out
    assert "Integration user:" in out and "syncadmin API calls today:" in out
    assert HubSpotConnection.load().portal_id == portal
    assert SalesforceConnection.load().integration_user_email


def test_bad_credentials_show_the_vendor_error_and_never_the_secret(
    connected, admin_web: Client, capsys, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    hubspot_connection_update(actor=None, values={"access_token": WRONG_TOKEN})
    salesforce_connection_update(actor=None, values={"password": WRONG_PASSWORD})
    with pytest.raises(CommandError):
        call_command("connections", "test")
    out = capsys.readouterr().out
    assert "HubSpot: FAILED" in out and "INVALID_AUTHENTICATION" in out
    assert "Salesforce: FAILED" in out and "INVALID_LOGIN" in out
    admin_web.post(reverse("connections_test"))
    page = admin_web.get(reverse("connections")).content.decode()
    assert "INVALID_AUTHENTICATION" in page and "Token refused" in page and "Login refused" in page
    assert "Working" not in page
    everything = out + page + caplog.text
    for secret in (WRONG_TOKEN, WRONG_PASSWORD, connected.info["salesforce"]["security_token"]):
        assert secret not in everything
    from core.models import AuditEvent

    trail = str(list(AuditEvent.objects.values()))
    assert WRONG_TOKEN not in trail and WRONG_PASSWORD not in trail
    assert AuditEvent.objects.filter(action="connection.tested", status="failed").count() >= 2
