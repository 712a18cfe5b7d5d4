"""Per-record history: every event that touched one contact, by any of its emails or ids."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from integrations.models import HubSpotConnection, SalesforceConnection
from tests.factories import AuditEventFactory

pytestmark = pytest.mark.django_db


def history(client: Client, **params: str):
    response = client.get(reverse("audit_history"), params)
    assert response.status_code == 200
    return response


def test_history_by_email_includes_events_known_only_by_id(viewer_web, trail):
    id_only = AuditEventFactory(salesforce_id="003000000000001AAA")
    response = history(viewer_web, email="ADA@example.com", object_type="contact")
    assert {e.pk for e in response.context["events"]} == {
        trail["created"].pk,
        trail["updated"].pk,
        id_only.pk,
    }


def test_history_by_salesforce_id_finds_the_email_events(viewer_web, trail):
    hs_only = AuditEventFactory(hubspot_id="101")
    response = history(viewer_web, salesforce_id="003000000000001AAA")
    assert {e.pk for e in response.context["events"]} == {
        trail["created"].pk,
        trail["updated"].pk,
        hs_only.pk,
    }
    page = response.content.decode()
    assert "ada@example.com" in page and "101" in page


def test_history_links_to_both_systems(viewer_web, trail):
    HubSpotConnection.objects.update_or_create(pk=1, defaults={"portal_id": "4242"})
    SalesforceConnection.objects.update_or_create(
        pk=1, defaults={"instance_url": "https://acme.my.salesforce.com"}
    )
    page = history(viewer_web, hubspot_id="101", object_type="contact").content.decode()
    assert 'href="https://app.hubspot.com/contacts/4242/record/0-1/101"' in page
    assert 'href="https://acme.my.salesforce.com/003000000000001AAA"' in page


def test_every_event_with_an_id_links_to_its_history(viewer_web, trail):
    page = viewer_web.get(reverse("audit_log")).content.decode()
    assert (
        f"{reverse('audit_history')}?object_type=contact&amp;email=grace%40example.com"
        "&amp;hubspot_id=202"
    ) in page
    assert page.count('class="history-link"') == 4  # the settings event names no record


def test_an_empty_history_asks_which_record(viewer_web, trail):
    response = history(viewer_web)
    assert list(response.context["events"]) == []
    assert "Which record?" in response.content.decode()
