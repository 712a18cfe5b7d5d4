"""Where the sandbox used to answer differently from the vendors (found by two other real
clients, jsforce and HubSpot's Node SDK); each checked over real HTTP, and for HubSpot
through HubSpot's own Python SDK too, which refuses answers outside the vendor's schema."""

from __future__ import annotations

from typing import Any

import pytest
from hubspot.crm import properties as properties_sdk
from hubspot.crm.associations import v4 as assoc_v4

from tests.integrations.sandbox.test_hubspot_http import Api as HubSpotApi
from tests.integrations.sandbox.test_salesforce_http import Api as SalesforceApi
from tests.integrations.sandbox.test_salesforce_http import V
from tests.sandbox import Sandbox

TIMESTAMP = "2025-01-01T12:00:00Z"
ENGAGEMENT_PROPERTY = {
    "notes": "hs_note_body",
    "calls": "hs_call_title",
    "tasks": "hs_task_subject",
    "meetings": "hs_meeting_title",
    "emails": "hs_email_subject",
}


@pytest.fixture
def sf(sandbox: Sandbox) -> SalesforceApi:
    return SalesforceApi(sandbox)


@pytest.fixture
def hs(sandbox: Sandbox) -> HubSpotApi:
    return HubSpotApi(sandbox.info["hubspot"])


def _sdk(module: Any, sandbox: Sandbox) -> Any:
    info = sandbox.info["hubspot"]
    config = module.Configuration(host=info["base_url"])
    config.access_token = info["access_token"]
    config.client_side_validation = True
    return module.ApiClient(configuration=config)


# --- Salesforce ---------------------------------------------------------------------------
def test_collection_update_accepts_a_lowercase_id(sf: SalesforceApi):
    """Field names are case-insensitive in Salesforce: ``id`` (as jsforce sends it) is the Id."""
    contact_id = sf.create("Contact", LastName="Lower", Email="lower@example.com")
    response = sf(
        "PATCH",
        f"{V}/composite/sobjects/",
        json={
            "allOrNone": False,
            "records": [{"attributes": {"type": "Contact"}, "id": contact_id, "Title": "CTO"}],
        },
    )
    assert response.status_code == 200, response.text
    assert response.json() == [{"id": contact_id, "success": True, "errors": []}]
    got = sf("GET", f"{V}/sobjects/Contact/{contact_id}", params={"fields": "Title"}).json()
    assert got["Title"] == "CTO"


def test_collection_create_refuses_a_lowercase_id_too(sf: SalesforceApi):
    contact_id = sf.create("Contact", LastName="Existing")
    response = sf(
        "POST",
        f"{V}/composite/sobjects/",
        json={"records": [{"attributes": {"type": "Contact"}, "id": contact_id, "LastName": "X"}]},
    )
    [result] = response.json()
    assert result["success"] is False
    assert result["errors"][0]["statusCode"] == "INVALID_FIELD"


def test_composite_created_subresponse_carries_its_location(sf: SalesforceApi):
    response = sf(
        "POST",
        f"{V}/composite/",
        json={
            "allOrNone": True,
            "compositeRequest": [
                {
                    "method": "POST",
                    "url": f"{V}/sobjects/Account/",
                    "referenceId": "acct",
                    "body": {"Name": "Acme"},
                },
                {
                    "method": "PATCH",
                    "url": f"{V}/sobjects/Account/@{{acct.id}}",
                    "referenceId": "rename",
                    "body": {"Name": "Acme Ltd"},
                },
            ],
        },
    )
    assert response.status_code == 200, response.text
    created, renamed = response.json()["compositeResponse"]
    assert created["httpStatusCode"] == 201
    assert created["httpHeaders"] == {"Location": f"{V}/sobjects/Account/{created['body']['id']}"}
    assert renamed["httpStatusCode"] == 204 and renamed["httpHeaders"] == {}


def test_plain_create_answers_with_its_location(sf: SalesforceApi):
    response = sf("POST", f"{V}/sobjects/Contact/", json={"LastName": "Where"})
    assert response.status_code == 201
    assert response.headers["Location"] == f"{V}/sobjects/Contact/{response.json()['id']}"


# --- HubSpot ------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", list(ENGAGEMENT_PROPERTY))
def test_engagement_properties_are_served(hs: HubSpotApi, sandbox: Sandbox, kind: str):
    response = hs("GET", f"/crm/v3/properties/{kind}")
    assert response.status_code == 200, response.text
    names = [p["name"] for p in response.json()["results"]]
    assert ENGAGEMENT_PROPERTY[kind] in names and "hs_timestamp" in names

    core = properties_sdk.CoreApi(_sdk(properties_sdk, sandbox))
    listed = core.get_all(kind)
    assert ENGAGEMENT_PROPERTY[kind] in {p.name for p in listed.results}
    one = core.get_by_name(kind, ENGAGEMENT_PROPERTY[kind])
    assert one.name == ENGAGEMENT_PROPERTY[kind] and one.type == "string"


def test_unknown_property_of_an_engagement_is_404(hs: HubSpotApi):
    response = hs("GET", "/crm/v3/properties/notes/no_such_property")
    assert response.status_code == 404
    body = response.json()
    assert body["category"] == "OBJECT_NOT_FOUND"
    assert body["message"] == "Unable to find property no_such_property for object type notes"


def _note_and_contact(hs: HubSpotApi) -> tuple[str, str]:
    contact = hs.create(email="assoc@example.com")["id"]
    note = hs(
        "POST",
        "/crm/v3/objects/notes",
        json={"properties": {"hs_timestamp": TIMESTAMP, "hs_note_body": "hello"}},
    )
    assert note.status_code == 201, note.text
    return note.json()["id"], contact


def _associated(hs: HubSpotApi, from_type: str, from_id: str, to_type: str) -> list[str]:
    page = hs("GET", f"/crm/v4/objects/{from_type}/{from_id}/associations/{to_type}").json()
    return [str(r["toObjectId"]) for r in page["results"]]


def test_put_association_with_labels(hs: HubSpotApi, sandbox: Sandbox):
    note, contact = _note_and_contact(hs)
    response = hs(
        "PUT",
        f"/crm/v4/objects/notes/{note}/associations/contacts/{contact}",
        json=[{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 202}],
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["fromObjectTypeId"] == "0-46" and str(body["fromObjectId"]) == note
    assert body["toObjectTypeId"] == "0-1" and str(body["toObjectId"]) == contact
    assert body["labels"] == []
    assert _associated(hs, "contacts", contact, "notes") == [note]

    call = hs("POST", "/crm/v3/objects/calls", json={"properties": {"hs_timestamp": TIMESTAMP}})
    basic = assoc_v4.BasicApi(_sdk(assoc_v4, sandbox))
    made = basic.create(
        "calls",
        call.json()["id"],
        "contacts",
        contact,
        [assoc_v4.AssociationSpec(association_category="HUBSPOT_DEFINED", association_type_id=194)],
    )
    assert made.to_object_id == contact and made.labels == []


def test_put_association_with_an_unknown_type_is_refused(hs: HubSpotApi):
    note, contact = _note_and_contact(hs)
    response = hs(
        "PUT",
        f"/crm/v4/objects/notes/{note}/associations/contacts/{contact}",
        json=[{"associationCategory": "USER_DEFINED", "associationTypeId": 99}],
    )
    assert response.status_code == 400
    assert _associated(hs, "notes", note, "contacts") == []


def test_batch_archive_associations(hs: HubSpotApi, sandbox: Sandbox):
    note, contact = _note_and_contact(hs)
    other = hs.create(email="other@example.com")["id"]
    for target in (contact, other):
        hs("PUT", f"/crm/v4/objects/notes/{note}/associations/default/contacts/{target}")
    assert sorted(_associated(hs, "notes", note, "contacts")) == sorted([contact, other])

    response = hs(
        "POST",
        "/crm/v4/associations/notes/contacts/batch/archive",
        json={"inputs": [{"from": {"id": note}, "to": [{"id": contact}]}]},
    )
    assert response.status_code == 204 and response.content == b""
    assert _associated(hs, "notes", note, "contacts") == [other]
    assert _associated(hs, "contacts", contact, "notes") == []

    assoc_v4.BatchApi(_sdk(assoc_v4, sandbox)).archive(
        "contacts",
        "notes",
        assoc_v4.BatchInputPublicAssociationMultiArchive(
            inputs=[
                assoc_v4.PublicAssociationMultiArchive(
                    _from=assoc_v4.PublicObjectId(id=other), to=[assoc_v4.PublicObjectId(id=note)]
                )
            ]
        ),
    )
    assert _associated(hs, "notes", note, "contacts") == []


def test_batch_archive_with_a_malformed_input_is_400(hs: HubSpotApi):
    response = hs(
        "POST",
        "/crm/v4/associations/notes/contacts/batch/archive",
        json={"inputs": [{"from": {"id": "1"}}]},
    )
    assert response.status_code == 400
    assert response.json()["category"] == "VALIDATION_ERROR"
