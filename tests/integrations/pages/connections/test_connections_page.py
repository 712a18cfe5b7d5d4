"""Saving connections: validation, audit before -> after, secrets never shown."""

import pytest
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent
from integrations.models import HubSpotConnection, SalesforceConnection
from integrations.secrets import decrypt

pytestmark = pytest.mark.django_db

TOKEN = "pat-na1-11111111-2222-3333-4444-555555555555"
PASSWORD = "Sal3sforce-pa55word!"
SECURITY_TOKEN = "AbCdEfGhIjKlMnOpQrStUv"


def save_hubspot(client: Client, **overrides: str):
    data = {
        "base_url": "https://api.hubapi.com",
        "access_token": TOKEN,
        "ten_second_limit": "190",
        "search_per_second": "5",
        **overrides,
    }
    return client.post(reverse("connections_hubspot_save"), data)


def save_salesforce(client: Client, **overrides: str):
    data = {
        "auth_mode": "password",
        "login_url": "https://login.salesforce.com",
        "username": "integration@acme.example",
        "password": PASSWORD,
        "security_token": SECURITY_TOKEN,
        "api_version": "59.0",
        "daily_budget": "5000",
        **overrides,
    }
    return client.post(reverse("connections_salesforce_save"), data)


def test_secrets_are_encrypted_at_rest_and_never_rendered(admin_web: Client) -> None:
    assert save_hubspot(admin_web).status_code == 302
    assert save_salesforce(admin_web).status_code == 302
    hubspot, salesforce = HubSpotConnection.load(), SalesforceConnection.load()
    assert TOKEN not in hubspot.access_token and decrypt(hubspot.access_token) == TOKEN
    assert PASSWORD not in salesforce.password and decrypt(salesforce.password) == PASSWORD
    page = admin_web.get(reverse("connections")).content.decode()
    for secret in (TOKEN, PASSWORD, SECURITY_TOKEN):
        assert secret not in page
    assert "set on" in page and "by alice" in page


def test_every_change_is_audited_without_the_secret(admin_web: Client) -> None:
    save_hubspot(admin_web)
    save_hubspot(admin_web, access_token="", ten_second_limit="100")
    events = list(AuditEvent.objects.filter(action="settings.changed").order_by("id"))
    assert [e.actor_username for e in events] == ["alice", "alice"]
    last = {c["field"]: c for c in events[-1].changes}
    assert (last["ten_second_limit"]["before"], last["ten_second_limit"]["after"]) == (190, 100)
    assert "access_token" not in last  # blank kept the token
    dump = str(list(AuditEvent.objects.values()))
    assert TOKEN not in dump and decrypt(HubSpotConnection.load().access_token) == TOKEN
    assert "access_token" in {c["field"] for c in events[0].changes}


def test_bad_input_is_refused_with_a_message_and_changes_nothing(admin_web: Client) -> None:
    save_hubspot(admin_web)
    response = save_hubspot(admin_web, base_url="not a url", ten_second_limit="0")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter a valid URL" in page and "greater than or equal to 1" in page
    assert TOKEN not in page
    assert HubSpotConnection.load().ten_second_limit == 190
    response = save_salesforce(admin_web, ca_bundle="/no/such/file.pem")
    assert b"Put the CA bundle in syncadmin&#x27;s data folder" in response.content
    assert not SalesforceConnection.load().is_configured


def test_token_mode_needs_an_instance_url(admin_web: Client) -> None:
    response = save_salesforce(admin_web, auth_mode="token", access_token="00Dxx!abc")
    assert b"The instance URL is required" in response.content
    assert SalesforceConnection.load().auth_mode == "password"


def test_viewers_see_status_but_no_forms_and_cannot_save(viewer_web: Client) -> None:
    page = viewer_web.get(reverse("connections")).content.decode()
    assert "Not configured" in page
    assert "Save HubSpot connection" not in page
    assert ">Test connection</button>" not in page
    assert save_hubspot(viewer_web).status_code == 403
    assert not HubSpotConnection.load().is_configured
