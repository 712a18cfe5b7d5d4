"""Account, properties and owners: what connections, mappings and the list builder read."""

from __future__ import annotations

from integrations.hubspot.client import HubSpotClient
from tests.integrations.hubspot.conftest import calls_to


def test_account_details_identify_the_portal(hubspot: HubSpotClient, sandbox):
    details = hubspot.account_details()
    assert str(details["portalId"]) == str(sandbox.info["hubspot"]["portal_id"])


def test_contact_properties_carry_their_types(hubspot: HubSpotClient):
    by_name = {p["name"]: p for p in hubspot.properties("contacts")}
    assert by_name["email"]["type"] == "string"
    assert by_name["lifecyclestage"]["type"] == "enumeration"
    assert by_name["lifecyclestage"]["options"]


def test_owners_are_read_page_by_page(hubspot: HubSpotClient, sandbox):
    owners = list(hubspot.owners())
    assert owners and all(o["email"] for o in owners)
    assert len({o["id"] for o in owners}) == len(owners)
    assert calls_to(sandbox, "GET /crm/v3/owners") == -(-len(owners) // 100)  # pages of 100
