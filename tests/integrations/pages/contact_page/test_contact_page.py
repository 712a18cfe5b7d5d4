"""One page per contact: verdict, both sides' values per mapping, links, history with its
activities, vendor links and *Sync this contact*; unknown or bad refs get a clear 404."""

from __future__ import annotations

import html

import pytest
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent, SyncJob
from integrations.models import ContactLink, HubSpotConnection, RecordError, SalesforceConnection
from integrations.pages.connections.services import connections_test, hubspot_connection_update
from integrations.record_urls import (
    hubspot_contact_url,
    hubspot_ui_domain,
    salesforce_record_url,
)
from tests.factories import AuditEventFactory, RecordErrorFactory
from tests.sides import HubSpotSide, SalesforceSide, person, run_sync

pytestmark = pytest.mark.django_db


def contact_url(ref: str) -> str:
    return reverse("contact_page", args=[ref])


@pytest.fixture
def synced(hubspot: HubSpotSide, salesforce: SalesforceSide) -> ContactLink:
    hubspot.create_contacts(person("ann@example.com", phone="+358 40 1234567"))
    run_sync("all")
    return ContactLink.objects.get(email="ann@example.com")


def test_the_page_shows_the_verdict_and_both_sides_values_per_mapping(
    viewer_web: Client, synced: ContactLink
) -> None:
    response = viewer_web.get(contact_url("ann@example.com"))
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert 'data-testid="explain-verdict">Syncs<' in page
    values = {row.hubspot_property: row for row in response.context["contact"].values}
    assert values["firstname"].hubspot_value == "Ann"
    assert values["firstname"].salesforce_value == "Ann"
    assert values["company"].rule == "Prefer Salesforce unless blank"
    assert "+358 40 1234567" in page and "Prefer Salesforce unless blank" in page
    assert "as of the last sync" in page
    assert synced.salesforce_id in page


@pytest.mark.parametrize("ref", ["email", "hubspot_id", "salesforce_id"])
def test_every_ref_of_the_contact_opens_the_same_page(
    viewer_web: Client, synced: ContactLink, ref: str
) -> None:
    response = viewer_web.get(contact_url(getattr(synced, ref)))
    assert response.status_code == 200
    contact = response.context["contact"]
    assert (contact.hubspot_id, contact.salesforce_id) == (synced.hubspot_id, synced.salesforce_id)


def test_the_history_includes_the_contacts_activities(viewer_web: Client, synced) -> None:
    task = AuditEventFactory(
        action="activity.created",
        object_type="activity",
        object_label="Opened: Autumn newsletter",
        email=synced.email,
        hubspot_id=synced.hubspot_id,
        salesforce_id="00T000000000042AAA",
        direction=AuditEvent.Direction.HUBSPOT_TO_SALESFORCE,
    )
    other = AuditEventFactory(
        action="activity.created", object_type="activity", hubspot_id="999", email="x@y.z"
    )
    shown = {e.pk for e in viewer_web.get(contact_url(synced.email)).context["events"]}
    assert task.pk in shown and other.pk not in shown
    history = viewer_web.get(
        reverse("audit_history"), {"object_type": "contact", "email": synced.email}
    )
    assert task.pk in {e.pk for e in history.context["events"]}


def test_vendor_links_are_built_from_the_portal_id_and_the_instance_url(
    viewer_web: Client, synced
) -> None:
    HubSpotConnection.objects.filter(pk=1).update(
        base_url=HubSpotConnection.DEFAULT_BASE_URL, portal_id="4242"
    )
    SalesforceConnection.objects.filter(pk=1).update(
        auth_mode=SalesforceConnection.AuthMode.TOKEN,
        instance_url="https://acme.my.salesforce.com",
    )
    assert hubspot_contact_url("101") == "https://app.hubspot.com/contacts/4242/record/0-1/101"
    assert salesforce_record_url("003A") == "https://acme.my.salesforce.com/003A"
    page = viewer_web.get(contact_url(synced.salesforce_id)).content.decode()
    assert f'href="https://app.hubspot.com/contacts/4242/record/0-1/{synced.hubspot_id}"' in page
    assert f'href="https://acme.my.salesforce.com/{synced.salesforce_id}"' in page


def test_an_eu_portal_links_to_its_own_web_app(viewer_web: Client, synced) -> None:
    """The sandbox answers account-info as an EU portal does (``uiDomain``
    app-eu1.hubspot.com): Test connection keeps that host, and a connection to HubSpot's
    API links there rather than to app.hubspot.com."""
    assert connections_test().hubspot.ok
    assert HubSpotConnection.objects.get().ui_domain == "app-eu1.hubspot.com"
    portal = HubSpotConnection.objects.get().portal_id
    HubSpotConnection.objects.filter(pk=1).update(base_url=HubSpotConnection.DEFAULT_BASE_URL)
    eu = f"https://app-eu1.hubspot.com/contacts/{portal}/record/0-1/{synced.hubspot_id}"
    assert hubspot_contact_url(synced.hubspot_id) == eu
    assert f'href="{eu}"' in viewer_web.get(contact_url(synced.email)).content.decode()


@pytest.mark.parametrize("answer", ["evil.example.com", "app.hubspot.com.evil.example", None, 7])
def test_a_web_app_host_that_is_not_hubspots_is_never_linked(answer) -> None:
    assert hubspot_ui_domain(answer) == ""


def test_a_new_token_forgets_the_portal_the_old_one_reached(
    admin_web: Client, viewer_web: Client, synced
) -> None:
    """Another token may reach another portal: its links wait for the next test, instead of
    opening the old portal's records."""
    assert connections_test().hubspot.ok
    assert hubspot_contact_url(synced.hubspot_id)
    hubspot_connection_update(actor=None, values={"access_token": "pat-eu1-another-token"})
    row = HubSpotConnection.objects.get()
    assert (row.portal_id, row.ui_domain) == ("", "")
    page = viewer_web.get(contact_url(synced.email)).content.decode()
    assert "No HubSpot link yet" in page and 'data-testid="open-hubspot"' not in page


def test_the_sandbox_connection_links_into_the_sandbox(viewer_web: Client, synced, sandbox):
    HubSpotConnection.objects.filter(pk=1).update(portal_id="24681357")
    hubspot_base = sandbox.info["hubspot"]["base_url"].rstrip("/")
    instance = sandbox.info["salesforce"]["instance_url"].rstrip("/")
    page = viewer_web.get(contact_url(synced.email)).content.decode()
    assert f'href="{hubspot_base}/contacts/24681357/record/0-1/{synced.hubspot_id}"' in page
    assert f'href="{instance}/{synced.salesforce_id}"' in page


def test_an_admin_syncs_the_contact_from_its_page(admin_web: Client, synced) -> None:
    page = admin_web.get(contact_url(synced.email)).content.decode()
    assert "Sync this contact" in page and "viewer-locked" not in page
    response = admin_web.post(
        reverse("contacts_sync_now"), {"mode": "one", "contact": synced.email}
    )
    job = SyncJob.objects.latest("pk")
    assert response.url == reverse("job_detail", args=[job.pk])
    assert job.params == {"mode": "one", "contact": synced.email}


def test_a_viewer_sees_no_enabled_sync_button(viewer_web: Client, synced) -> None:
    page = viewer_web.get(contact_url(synced.email)).content.decode()
    locked = page.split('<fieldset disabled class="viewer-locked">', 1)
    assert len(locked) == 2, "the Sync this contact form is not locked for viewers"
    assert "Sync this contact" not in locked[0]
    assert "Sync this contact" in locked[1].split("</fieldset>", 1)[0]


@pytest.mark.parametrize(
    "ref, message",
    [
        ("nobody@example.com", "No contact “nobody@example.com” is known to syncadmin"),
        ("987654321", "No contact “987654321” is known"),
        ("003000000000009AAA", "No contact “003000000000009AAA” is known"),
        ("not an id", "is neither an email address"),
        ("001000000000001AAA", "not the id of a Salesforce lead"),
        ("x" * 5000, "is neither an email address"),
        ("a" * 300 + "@example.com", "at most 254 characters"),
        ("1" * 40, "at most 19 digits"),
        ("a/b/c", "is neither"),
    ],
    ids=lambda v: v[:24],
)
def test_an_unknown_or_bad_ref_is_a_clear_404(
    viewer_web: Client, connected, ref: str, message: str
) -> None:
    response = viewer_web.get(contact_url(ref))
    assert response.status_code == 404
    page = html.unescape(response.content.decode())
    assert "Contact not found" in page and message in page
    if len(ref) > 100:
        assert ref not in page  # cut, never echoed whole


def test_a_page_without_a_hubspot_connection_still_shows_what_syncadmin_knows(
    viewer_web: Client, synced
) -> None:
    HubSpotConnection.objects.filter(pk=1).update(access_token="")
    response = viewer_web.get(contact_url(synced.email))
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "The verdict could not be read from HubSpot" in page
    assert synced.salesforce_id in page


def test_the_explainer_links_to_the_contacts_page(viewer_web: Client, synced) -> None:
    page = viewer_web.get(reverse("contacts_explain"), {"q": synced.email}).content.decode()
    assert f'href="{contact_url(synced.hubspot_id)}"' in page


def test_sync_health_rows_link_to_the_contacts_page(viewer_web: Client, synced) -> None:
    RecordErrorFactory(
        hubspot_id=synced.hubspot_id,
        email=synced.email,
        category=RecordError.Category.VALIDATION,
        message="FIELD_CUSTOM_VALIDATION_EXCEPTION: Phone must have 10 digits",
    )
    page = viewer_web.get(reverse("health")).content.decode()
    assert f'href="{contact_url(synced.hubspot_id)}"' in page
