"""+ Create inclusion list: the criteria builder creates an active HubSpot list, waits
for HubSpot to process it, then offers it as the inclusion list."""

import pytest
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent, SyncJob
from integrations.models import ContactSyncSettings
from tests.sides import person

pytestmark = pytest.mark.django_db


def build(web: Client, **fields: str):
    return web.post(reverse("contacts_list_create"), {"name": "VIPs in Finland", **fields})


def test_the_builder_creates_an_active_list_that_can_then_be_chosen(
    admin_web: Client, hubspot
) -> None:
    hubspot.create_contacts(
        person("fi@example.com", country="Finland", jobtitle="CEO"),
        person("th@example.com", country="Thailand", jobtitle="CEO"),
        person("cfo@example.com", country="Germany", jobtitle="CFO"),
    )
    response = build(
        admin_web,
        **{
            "g0r0-property": "country",
            "g0r0-operator": "IS_EQUAL_TO",
            "g0r0-value": "Finland",
            "g0r1-property": "jobtitle",
            "g0r1-operator": "IS_EQUAL_TO",
            "g0r1-value": "CEO",
            "g1r0-property": "jobtitle",
            "g1r0-operator": "IS_EQUAL_TO",
            "g1r0-value": "CFO",
        },
    )
    assert response.status_code == 302
    list_id = response["Location"].rstrip("/").split("/")[-2]
    created = hubspot.call("GET", f"/crm/v3/lists/{list_id}")["list"]
    assert created["processingType"] == "DYNAMIC" and created["name"] == "VIPs in Finland"
    members = hubspot.call("GET", f"/crm/v3/lists/{list_id}/memberships")["results"]
    assert len(members) == 2  # (Finland AND CEO) OR CFO
    assert ContactSyncSettings.load().inclusion_list_id == ""  # created, not chosen
    status = admin_web.get(response["Location"]).content.decode()
    for _ in range(30):  # what htmx polls while HubSpot processes the list
        if "list-processing" not in status:
            break
        status = admin_web.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert "Use “VIPs in Finland” as the inclusion list" in status
    admin_web.post(reverse("contacts_list_save"), {"list_id": list_id, "confirm_from": ""})
    assert ContactSyncSettings.load().inclusion_list_id == list_id
    assert not SyncJob.objects.exists()
    assert AuditEvent.objects.filter(action="list.created", actor_username="alice").exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"g0r0-property": "no_such_prop", "g0r0-operator": "IS_EQUAL_TO", "g0r0-value": "x"},
            "HubSpot has no contact property “no_such_prop”",
        ),
        (
            {"g0r0-property": "country", "g0r0-operator": "IS_ANY_OF", "g0r0-value": "x"},
            "is not an operator for",
        ),
        ({"g0r0-property": "country", "g0r0-operator": "IS_EQUAL_TO"}, "Enter a value"),
        (
            {"g0r0-property": "lifecyclestage", "g0r0-operator": "IS_ANY_OF", "g0r0-value": "vip"},
            "has no option vip",
        ),
        ({}, "Add at least one condition"),
    ],
)
def test_bad_criteria_are_refused_in_plain_words(admin_web: Client, connected, fields, message):
    response = build(admin_web, **fields)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AuditEvent.objects.filter(action="list.created").exists()


def test_hubspots_own_refusal_is_shown(admin_web: Client, hubspot) -> None:
    hubspot.create_list("Taken name", jobtitle="CEO")
    response = admin_web.post(
        reverse("contacts_list_create"),
        {
            "name": "Taken name",
            "g0r0-property": "jobtitle",
            "g0r0-operator": "IS_EQUAL_TO",
            "g0r0-value": "CEO",
        },
    )
    assert response.status_code == 400
    assert "HubSpot did not create the list" in response.content.decode()


def test_viewers_cannot_create_lists(viewer_web: Client, connected) -> None:
    assert build(viewer_web, **{"g0r0-property": "country"}).status_code == 403
