"""HubSpot's own SDK (hubspot-api-client 12.0.0), validating every response, against the sandbox.

With ``client_side_validation=True`` the SDK's generated models refuse
responses that miss required fields or carry unknown enum values, so this is
an independent check of the emulator's shapes.
"""

from __future__ import annotations

import json

import pytest
from hubspot import HubSpot
from hubspot.crm.contacts import (
    BatchInputSimplePublicObjectBatchInput,
    BatchInputSimplePublicObjectBatchInputForCreate,
    BatchInputSimplePublicObjectBatchInputUpsert,
    BatchInputSimplePublicObjectId,
    BatchReadInputSimplePublicObjectId,
    Filter,
    FilterGroup,
    PublicObjectSearchRequest,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)
from hubspot.crm.contacts.exceptions import ApiException as ContactsApiException
from hubspot.crm.lists import ListCreateRequest, ListSearchRequest
from hubspot.crm.lists.exceptions import ApiException as ListsApiException


@pytest.fixture
def hubspot(sandbox) -> HubSpot:
    info = sandbox.info["hubspot"]
    return HubSpot(
        access_token=info["access_token"], host=info["base_url"], client_side_validation=True
    )


def _create(hubspot: HubSpot, **properties: str):
    return hubspot.crm.contacts.basic_api.create(
        SimplePublicObjectInputForCreate(properties=properties)
    )


def test_contacts_basic_round_trip(hubspot):
    created = _create(hubspot, email="ada@example.com", firstname="Ada", lifecyclestage="lead")
    assert created.id.isdigit()
    assert created.properties["hs_object_id"] == created.id

    fetched = hubspot.crm.contacts.basic_api.get_by_id(
        "ada@example.com", id_property="email", properties=["firstname", "lifecyclestage"]
    )
    assert fetched.properties["firstname"] == "Ada"

    updated = hubspot.crm.contacts.basic_api.update(
        created.id, SimplePublicObjectInput(properties={"lastname": "Lovelace"})
    )
    assert updated.updated_at > created.updated_at

    page = hubspot.crm.contacts.basic_api.get_page(limit=10, properties=["lastname"])
    assert [c.properties["lastname"] for c in page.results] == ["Lovelace"]

    hubspot.crm.contacts.basic_api.archive(created.id)
    with pytest.raises(ContactsApiException) as caught:
        hubspot.crm.contacts.basic_api.get_by_id(created.id)
    assert caught.value.status == 404


def test_duplicate_email_is_409(hubspot):
    first = _create(hubspot, email="dup@example.com")
    with pytest.raises(ContactsApiException) as caught:
        _create(hubspot, email="DUP@example.com")
    assert caught.value.status == 409
    assert json.loads(caught.value.body)["message"] == (
        f"Contact already exists. Existing ID: {first.id}"
    )


def test_contacts_batch_endpoints(hubspot):
    batch = hubspot.crm.contacts.batch_api
    created = batch.create(
        BatchInputSimplePublicObjectBatchInputForCreate(
            inputs=[{"properties": {"email": f"b{i}@example.com"}} for i in range(3)]
        )
    )
    ids = sorted(c.id for c in created.results)
    assert len(ids) == 3

    read = batch.read(
        BatchReadInputSimplePublicObjectId(
            inputs=[{"id": i} for i in ids], properties=["email"], properties_with_history=[]
        )
    )
    assert sorted(c.id for c in read.results) == ids

    updated = batch.update(
        BatchInputSimplePublicObjectBatchInput(
            inputs=[{"id": i, "properties": {"jobtitle": "CTO"}} for i in ids]
        )
    )
    assert all(c.updated_at for c in updated.results)

    upserted = batch.upsert(
        BatchInputSimplePublicObjectBatchInputUpsert(
            inputs=[
                {"id": "b0@example.com", "idProperty": "email", "properties": {"city": "Oulu"}},
                {"id": "new@example.com", "idProperty": "email", "properties": {"city": "Oulu"}},
            ]
        )
    )
    assert sorted(r.new for r in upserted.results) == [False, True]

    batch.archive(BatchInputSimplePublicObjectId(inputs=[{"id": i} for i in ids]))
    assert [c.properties["email"] for c in hubspot.crm.contacts.get_all()] == ["new@example.com"]


def test_batch_create_with_one_existing_email_is_refused_whole(hubspot):
    first = _create(hubspot, email="taken@example.com")
    with pytest.raises(ContactsApiException) as caught:
        hubspot.crm.contacts.batch_api.create(
            BatchInputSimplePublicObjectBatchInputForCreate(
                inputs=[
                    {"properties": {"email": "new1@example.com"}},
                    {"properties": {"email": "taken@example.com"}},
                    {"properties": {"email": "new2@example.com"}},
                ]
            )
        )
    assert caught.value.status == 409
    body = json.loads(caught.value.body)
    assert body["category"] == "CONFLICT" and body["correlationId"]
    assert body["message"] == f"Contact already exists. Existing ID: {first.id}"
    assert [c.id for c in hubspot.crm.contacts.get_all()] == [first.id]


def test_contacts_search(hubspot):
    for i in range(5):
        _create(hubspot, email=f"s{i}@example.com", num_employees=str(i * 10))
    answer = hubspot.crm.contacts.search_api.do_search(
        PublicObjectSearchRequest(
            filter_groups=[
                FilterGroup(
                    filters=[Filter(property_name="num_employees", operator="GTE", value="20")]
                )
            ],
            sorts=["-num_employees"],
            properties=["num_employees"],
            limit=2,
        )
    )
    assert answer.total == 3
    assert [c.properties["num_employees"] for c in answer.results] == ["40", "30"]
    assert answer.paging.next.after == "2"


def test_properties(hubspot):
    names = {p.name: p for p in hubspot.crm.properties.core_api.get_all("contacts").results}
    assert {"email", "firstname", "lifecyclestage", "hubspot_owner_id", "createdate"} <= set(names)
    stages = [o.value for o in names["lifecyclestage"].options]
    assert "marketingqualifiedlead" in stages
    assert hubspot.crm.properties.core_api.get_by_name("contacts", "email").type == "string"


def test_owners(hubspot):
    owners = hubspot.crm.owners.owners_api.get_page(limit=5)
    assert len(owners.results) == 5 and owners.paging.next.after
    rest = hubspot.crm.owners.owners_api.get_page(limit=5, after=owners.paging.next.after)
    assert len(owners.results) + len(rest.results) == 9 and rest.paging is None
    first = owners.results[0]
    assert hubspot.crm.owners.owners_api.get_by_id(first.id).email == first.email
    by_email = hubspot.crm.owners.owners_api.get_page(email=first.email)
    assert [o.id for o in by_email.results] == [first.id]


def test_lists_manual_create_search_memberships_delete(hubspot):
    ids = [_create(hubspot, email=f"m{i}@example.com").id for i in range(3)]
    lists_api = hubspot.crm.lists.lists_api
    created = lists_api.create(
        ListCreateRequest(name="Hand-picked", object_type_id="0-1", processing_type="MANUAL")
    ).list
    assert created.processing_status == "COMPLETE"

    changed = hubspot.crm.lists.memberships_api.add(created.list_id, ids[:2] + ["999"])
    assert changed.records_ids_added == ids[:2] and changed.record_ids_missing == ["999"]
    page = hubspot.crm.lists.memberships_api.get_page(created.list_id, limit=1)
    assert [m.record_id for m in page.results] == ids[:1]
    assert page.paging.next.after
    hubspot.crm.lists.memberships_api.remove(created.list_id, ids[:1])
    assert lists_api.get_by_id(created.list_id).list.size == 1

    by_name = lists_api.get_by_name("hand-picked", "0-1").list
    assert by_name.list_id == created.list_id
    found = lists_api.do_search(ListSearchRequest(query="hand", processing_types=["MANUAL"]))
    assert [entry.list_id for entry in found.lists] == [created.list_id]
    assert found.has_more is False and found.total == 1

    lists_api.remove(created.list_id)
    with pytest.raises(ListsApiException) as caught:
        lists_api.get_by_id(created.list_id)
    assert caught.value.status == 404


def test_dynamic_list_through_the_sdk(hubspot):
    """The SDK's filterBranch model only knows ASSOCIATION branches (a generator bug), so a
    DYNAMIC list is created with the raw response, as the real API would need too."""
    _create(hubspot, email="mql@example.com", lifecyclestage="marketingqualifiedlead")
    branch = {
        "filterBranchType": "OR",
        "filters": [],
        "filterBranches": [
            {
                "filterBranchType": "AND",
                "filterBranches": [],
                "filters": [
                    {
                        "filterType": "PROPERTY",
                        "property": "lifecyclestage",
                        "operation": {
                            "operationType": "ENUMERATION",
                            "operator": "IS_ANY_OF",
                            "values": ["marketingqualifiedlead"],
                            "includeObjectsWithNoValueSet": False,
                        },
                    }
                ],
            }
        ],
    }
    raw = hubspot.crm.lists.lists_api.create(
        {
            "name": "MQLs",
            "objectTypeId": "0-1",
            "processingType": "DYNAMIC",
            "filterBranch": branch,
        },
        _preload_content=False,
    )
    list_id = json.loads(raw.data)["list"]["listId"]
    first = hubspot.crm.lists.lists_api.get_by_id(list_id).list
    assert first.processing_type == "DYNAMIC"
    assert first.processing_status == "PROCESSING"
    assert hubspot.crm.lists.lists_api.get_by_id(list_id).list.processing_status == "COMPLETE"
    members = hubspot.crm.lists.memberships_api.get_page(list_id)
    assert len(members.results) == 1
