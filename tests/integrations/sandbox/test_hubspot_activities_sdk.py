"""The sandbox's HubSpot activity endpoints, checked by HubSpot's own SDK (an independent client).

``hubspot-api-client`` is generated from HubSpot's OpenAPI files; with
``client_side_validation=True`` it refuses answers missing required fields or
carrying values outside its enums, so these tests catch shape drift that our
own client (which reads only what it needs) would not notice.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from hubspot.crm.associations import v4 as assoc_v4
from hubspot.crm.objects import calls, emails, meetings, notes, tasks
from hubspot.events import ApiClient as EventsApiClient
from hubspot.events import Configuration as EventsConfiguration
from hubspot.events import EventsApi
from hubspot.marketing import forms as forms_sdk

from tests.sandbox import Sandbox

TIMESTAMP = "2025-01-01T12:00:00Z"
SDK_MODULES = {
    "notes": notes,
    "calls": calls,
    "emails": emails,
    "meetings": meetings,
    "tasks": tasks,
}
EXAMPLES: dict[str, dict[str, str]] = {
    "notes": {"hs_note_body": "Met at the fair"},
    "calls": {
        "hs_call_title": "Intro call",
        "hs_call_direction": "OUTBOUND",
        "hs_call_duration": "60000",
    },
    "emails": {
        "hs_email_subject": "Hello",
        "hs_email_direction": "EMAIL",
        "hs_email_status": "SENT",
    },
    "meetings": {"hs_meeting_title": "Demo", "hs_meeting_outcome": "SCHEDULED"},
    "tasks": {
        "hs_task_subject": "Call back",
        "hs_task_status": "NOT_STARTED",
        "hs_task_priority": "HIGH",
    },
}


def _api_client(module: Any, sandbox: Sandbox, validate: bool = True) -> Any:
    info = sandbox.info["hubspot"]
    config = module.Configuration(host=info["base_url"])
    config.access_token = info["access_token"]
    config.client_side_validation = validate
    return module.ApiClient(configuration=config)


def _contact(sandbox: Sandbox, email: str) -> str:
    info = sandbox.info["hubspot"]
    answer = requests.post(
        f"{info['base_url']}/crm/v3/objects/contacts",
        json={"properties": {"email": email}},
        headers={"Authorization": f"Bearer {info['access_token']}"},
        timeout=10,
    )
    answer.raise_for_status()
    return answer.json()["id"]


@pytest.mark.parametrize("kind", list(SDK_MODULES))
def test_basic_batch_and_search_through_the_sdk(sandbox: Sandbox, kind: str):
    module = SDK_MODULES[kind]
    client = _api_client(module, sandbox)
    basic, batch, search = (
        module.BasicApi(client),
        module.BatchApi(client),
        module.SearchApi(client),
    )
    created = basic.create(
        module.SimplePublicObjectInputForCreate(
            properties={"hs_timestamp": TIMESTAMP, **EXAMPLES[kind]}, associations=[]
        )
    )
    assert created.properties["hs_object_id"] == created.id
    assert created.properties["hs_engagement_source"] == "API"

    got = basic.get_by_id(created.id, properties=list(EXAMPLES[kind]))
    assert all(got.properties[k] == v for k, v in EXAMPLES[kind].items())
    updated = basic.update(
        created.id,
        module.SimplePublicObjectInput(properties={"hs_timestamp": "2025-02-01T00:00:00Z"}),
    )
    assert updated.properties["hs_lastmodifieddate"] > created.properties["hs_lastmodifieddate"]

    more = batch.create(
        module.BatchInputSimplePublicObjectBatchInputForCreate(
            inputs=[
                module.SimplePublicObjectBatchInputForCreate(
                    properties={"hs_timestamp": TIMESTAMP, **EXAMPLES[kind]}, associations=[]
                )
                for _ in range(3)
            ]
        )
    )
    assert more.status == "COMPLETE" and len(more.results) == 3
    ids = [created.id] + [r.id for r in more.results]
    read = batch.read(
        module.BatchReadInputSimplePublicObjectId(
            inputs=[module.SimplePublicObjectId(id=i) for i in ids],
            properties=["hs_timestamp"],
            properties_with_history=[],
        )
    )
    assert sorted(r.id for r in read.results) == sorted(ids)
    batch.update(
        module.BatchInputSimplePublicObjectBatchInput(
            inputs=[
                module.SimplePublicObjectBatchInput(
                    id=ids[1], properties={"hs_timestamp": TIMESTAMP}
                )
            ]
        )
    )

    found = search.do_search(
        module.PublicObjectSearchRequest(
            filter_groups=[
                module.FilterGroup(
                    filters=[
                        module.Filter(
                            property_name="hs_lastmodifieddate", operator="GTE", value="0"
                        )
                    ]
                )
            ],
            sorts=["hs_lastmodifieddate"],
            properties=["hs_timestamp"],
            limit=2,
            after="0",
        )
    )
    assert found.total == 4 and len(found.results) == 2 and found.paging.next.after == "2"
    modified = [r.properties["hs_lastmodifieddate"] for r in found.results]
    assert modified == sorted(modified)

    page = basic.get_page(limit=2)
    assert len(page.results) == 2 and page.paging.next.after
    basic.archive(ids[0])
    batch.archive(
        module.BatchInputSimplePublicObjectId(inputs=[module.SimplePublicObjectId(id=ids[1])])
    )
    assert len(basic.get_page(limit=100).results) == 2


def test_associations_v4_through_the_sdk(sandbox: Sandbox):
    contact_a, contact_b = _contact(sandbox, "a@example.com"), _contact(sandbox, "b@example.com")
    note_client = _api_client(notes, sandbox)
    note = notes.BasicApi(note_client).create(
        notes.SimplePublicObjectInputForCreate(
            properties={"hs_timestamp": TIMESTAMP, "hs_note_body": "x"},
            associations=[
                notes.PublicAssociationsForObject(
                    to=notes.PublicObjectId(id=contact_a),
                    types=[
                        notes.AssociationSpec(
                            association_category="HUBSPOT_DEFINED", association_type_id=202
                        )
                    ],
                )
            ],
        )
    )
    client = _api_client(assoc_v4, sandbox)
    basic, batch = assoc_v4.BasicApi(client), assoc_v4.BatchApi(client)

    made = basic.create_default("notes", note.id, "contacts", contact_b)
    assert made.status == "COMPLETE"
    assert {r.association_spec.association_type_id for r in made.results} == {202, 201}

    page = basic.get_page("notes", note.id, "contacts")
    assert sorted(r.to_object_id for r in page.results) == sorted([contact_a, contact_b])
    assert page.results[0].association_types[0].type_id == 202

    read = batch.get_page(
        "contacts",
        "notes",
        assoc_v4.BatchInputPublicFetchAssociationsBatchRequest(
            inputs=[assoc_v4.PublicFetchAssociationsBatchRequest(id=contact_a)]
        ),
    )
    assert read.results[0].to[0].to_object_id == note.id
    assert read.results[0].to[0].association_types[0].type_id == 201

    call = calls.BasicApi(_api_client(calls, sandbox)).create(
        calls.SimplePublicObjectInputForCreate(
            properties={"hs_timestamp": TIMESTAMP}, associations=[]
        )
    )
    labelled = batch.create(
        "calls",
        "contacts",
        assoc_v4.BatchInputPublicAssociationMultiPost(
            inputs=[
                assoc_v4.PublicAssociationMultiPost(
                    _from=assoc_v4.PublicObjectId(id=call.id),
                    to=assoc_v4.PublicObjectId(id=contact_a),
                    types=[
                        assoc_v4.AssociationSpec(
                            association_category="HUBSPOT_DEFINED", association_type_id=194
                        )
                    ],
                )
            ]
        ),
    )
    assert labelled.results[0].to_object_id == contact_a
    defaults = batch.create_default(
        "calls",
        "contacts",
        assoc_v4.BatchInputPublicDefaultAssociationMultiPost(
            inputs=[
                assoc_v4.PublicDefaultAssociationMultiPost(
                    _from=assoc_v4.PublicObjectId(id=call.id),
                    to=assoc_v4.PublicObjectId(id=contact_b),
                )
            ]
        ),
    )
    assert defaults.results[0].association_spec.association_type_id == 194


def test_forms_through_the_sdk(sandbox: Sandbox):
    sandbox.hubspot.control("POST", "forms", {"name": "Contact us"})
    sandbox.hubspot.control("POST", "forms", {"name": "Blog comments", "formType": "blog_comment"})
    # The SDK's merged oneOf model for form fields requires every field type's attributes at once
    # (and allows only formType "hubspot"), so no real form passes its client-side validation;
    # deserialising without it still checks the names and nesting.
    api = forms_sdk.FormsApi(_api_client(forms_sdk, sandbox, validate=False))
    default = api.get_page()
    assert [f.name for f in default.results] == ["Contact us"]
    form = default.results[0]
    assert form.form_type == "hubspot" and form.field_groups[0].fields[0].name == "email"
    assert form.configuration.post_submit_action.type == "thank_you"
    every = api.get_page(form_types=["all"])
    assert {f.form_type for f in every.results} == {"hubspot", "blog_comment"}
    assert api.get_by_id(form.id).name == "Contact us"


def test_events_api_through_the_sdk(sandbox: Sandbox):
    contact = _contact(sandbox, "c@example.com")
    sandbox.hubspot.control(
        "POST",
        "activities",
        [
            {
                "type": "event",
                "eventType": "e_document_viewed",
                "contactId": contact,
                "occurredAt": f"2024-0{m}-01T00:00:00Z",
                "properties": {"hs_document_name": f"Doc {m}", "hs_document_id": str(m)},
            }
            for m in range(1, 6)
        ],
    )
    config = EventsConfiguration(host=sandbox.info["hubspot"]["base_url"])
    config.access_token = sandbox.info["hubspot"]["access_token"]
    config.client_side_validation = True
    api = EventsApi(EventsApiClient(configuration=config))

    first = api.get_page(
        object_type="contact",
        object_id=int(contact),
        event_type="e_document_viewed",
        limit=2,
        sort=["ASCENDING"],
    )
    assert [e.properties["hs_document_name"] for e in first.results] == ["Doc 1", "Doc 2"]
    assert first.results[0].object_id == contact and first.results[0].object_type == "contact"
    rest = api.get_page(
        object_type="contact",
        event_type="e_document_viewed",
        limit=10,
        sort=["ASCENDING"],
        after=first.paging.next.after,
    )
    assert [e.properties["hs_document_name"] for e in rest.results] == ["Doc 3", "Doc 4", "Doc 5"]
    assert rest.paging is None
