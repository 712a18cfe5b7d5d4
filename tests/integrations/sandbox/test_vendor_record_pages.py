"""On the sandbox, *Open in HubSpot* and *Open in Salesforce* on a contact's page open
a page about that very record (as the vendors' web apps do; a record that is not there
is a 404), and opening it spends no API call: the call counts stay as they were."""

from __future__ import annotations

import re

import pytest
import requests
from django.test import Client
from django.urls import reverse

from integrations.models import ContactLink, HubSpotConnection
from integrations.sandbox.hubspot.app import PORTAL_ID
from tests.sandbox import Sandbox
from tests.sides import HubSpotSide, SalesforceSide, person, run_sync

pytestmark = pytest.mark.django_db


def _vendor_links(page: str) -> dict[str, str]:
    links = re.findall(r'href="(https?://[^"]+)"[^>]*>\s*Open in (HubSpot|Salesforce)', page)
    return {vendor: url for url, vendor in links}


def test_the_open_in_links_show_the_contact_on_both_sandbox_sides(
    viewer_web: Client, sandbox: Sandbox, hubspot: HubSpotSide, salesforce: SalesforceSide
) -> None:
    hubspot.create_contacts(person("grace@example.com", firstname="Grace", lastname="Hopper"))
    run_sync("all")
    link = ContactLink.objects.get(email="grace@example.com")
    HubSpotConnection.objects.filter(pk=1).update(portal_id=str(PORTAL_ID))
    page = viewer_web.get(reverse("contact_page", args=[link.email])).content.decode()
    links = _vendor_links(page)
    assert set(links) == {"HubSpot", "Salesforce"}, page
    before = (sandbox.hubspot.calls(), sandbox.salesforce.calls())

    hubspot_page = requests.get(links["HubSpot"], timeout=10)
    salesforce_page = requests.get(
        links["Salesforce"], verify=sandbox.salesforce.verify, timeout=10
    )

    assert hubspot_page.status_code == 200 and "Grace Hopper" in hubspot_page.text
    assert "grace@example.com" in hubspot_page.text
    assert salesforce_page.status_code == 200 and "Grace Hopper" in salesforce_page.text
    assert link.salesforce_id in salesforce_page.text
    assert (sandbox.hubspot.calls(), sandbox.salesforce.calls()) == before

    # a record that is not there is a 404, never another record's page
    hubspot_base = sandbox.info["hubspot"]["base_url"].rstrip("/")
    missing = f"{hubspot_base}/contacts/{PORTAL_ID}/record/0-1/999999"
    other_portal = links["HubSpot"].replace(f"/contacts/{PORTAL_ID}/", "/contacts/1/")
    gone = links["Salesforce"].replace(link.salesforce_id, "00Q000000000000AAA")
    assert requests.get(missing, timeout=10).status_code == 404
    assert requests.get(other_portal, timeout=10).status_code == 404
    assert requests.get(gone, verify=sandbox.salesforce.verify, timeout=10).status_code == 404
