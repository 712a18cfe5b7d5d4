"""HTTP-level behaviour of the sandbox's HubSpot activity endpoints.

Most tests drive an in-process ``HubSpotEmulator`` through werkzeug's test
client (same WSGI app the ``sandbox`` command serves, without sockets, so they
run in milliseconds); the last ones go through the real ``sandbox`` child
process for the control API and injected per-record faults.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from werkzeug.test import Client

from integrations.sandbox.hubspot.activities import (
    ASSOCIATION_BATCH_LIMIT,
    BATCH_LIMIT,
    SUBMISSIONS_LIMIT_MAX,
)
from integrations.sandbox.hubspot.app import ACCESS_TOKEN, HubSpotEmulator
from integrations.sandbox.hubspot.search import SEARCH_RESULT_CAP
from tests.sandbox import Sandbox

AUTH = {"Authorization": f"Bearer {ACCESS_TOKEN}"}
TIMESTAMP = "2025-01-01T12:00:00Z"


class Hub:
    """An emulator plus a test client speaking JSON with the sandbox token."""

    def __init__(self) -> None:
        self.emulator = HubSpotEmulator()
        self.client = Client(self.emulator)
        # these tests search faster than HubSpot's 5 searches/s; rate limits are tested elsewhere
        self.client.patch("/__sandbox__/settings", json={"search_per_second": 10_000})

    def call(self, method: str, path: str, json: Any = None, **kw: Any) -> tuple[int, Any]:
        response = self.client.open(path, method=method, json=json, headers=AUTH, **kw)
        return response.status_code, (response.get_json(silent=True) if response.data else None)

    def control(self, path: str, json: Any) -> Any:
        response = self.client.post(f"/__sandbox__/{path}", json=json)
        assert response.status_code in (200, 201), response.get_data(as_text=True)
        return response.get_json()

    def contact(self, email: str) -> str:
        status, body = self.call(
            "POST", "/crm/v3/objects/contacts", {"properties": {"email": email}}
        )
        assert status == 201
        return body["id"]

    def create(self, kind: str, **properties: str) -> dict[str, Any]:
        status, body = self.call(
            "POST",
            f"/crm/v3/objects/{kind}",
            {"properties": {"hs_timestamp": TIMESTAMP, **properties}},
        )
        assert status == 201, body
        return body


@pytest.fixture
def hub() -> Hub:
    return Hub()


@pytest.fixture(scope="module")
def demo_hub() -> Hub:
    hub = Hub()
    hub.emulator.reset(seed="demo", contacts=600)
    return hub


def _search(hub: Hub, kind: str, filters: list[dict], **extra: Any) -> tuple[int, Any]:
    body = {
        "filterGroups": [{"filters": filters}] if filters else [],
        "sorts": [{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}],
        **extra,
    }
    return hub.call("POST", f"/crm/v3/objects/{kind}/search", body)


# --- engagements ---------------------------------------------------------------------------
def test_hs_timestamp_is_required_and_bad_input_is_a_hubspot_400(hub: Hub):
    status, body = hub.call(
        "POST", "/crm/v3/objects/tasks", {"properties": {"hs_task_subject": "x"}}
    )
    assert (
        status == 400
        and body["category"] == "VALIDATION_ERROR"
        and "hs_timestamp" in body["message"]
    )
    assert body["status"] == "error" and body["correlationId"]

    status, body = hub.call(
        "POST", "/crm/v3/objects/notes", {"properties": {"hs_timestamp": TIMESTAMP, "nope": "1"}}
    )
    assert status == 400 and body["errors"][0]["code"] == "PROPERTY_DOESNT_EXIST"

    status, body = hub.call(
        "POST",
        "/crm/v3/objects/tasks",
        {"properties": {"hs_timestamp": TIMESTAMP, "hs_task_status": "DONE"}},
    )
    assert status == 400 and body["errors"][0]["code"] == "INVALID_OPTION"

    status, body = hub.call(
        "POST",
        "/crm/v3/objects/calls",
        {"properties": {"hs_timestamp": TIMESTAMP, "hubspot_owner_id": "1"}},
    )
    assert status == 400 and body["category"] == "VALIDATION_ERROR"

    response = hub.client.post(
        "/crm/v3/objects/calls",
        data="{not json",
        headers={**AUTH, "Content-Type": "application/json"},
    )
    assert response.status_code == 400 and response.get_json()["category"] == "VALIDATION_ERROR"

    status, body = hub.call(
        "POST",
        "/crm/v3/objects/notes/batch/create",
        {"inputs": [{"properties": {"hs_timestamp": TIMESTAMP}}] * (BATCH_LIMIT + 1)},
    )
    assert status == 400 and body["category"] == "VALIDATION_ERROR"

    status, body = hub.call("GET", "/crm/v3/objects/deals")
    assert status == 400 and body["status"] == "error"
    status, body = hub.call("GET", "/crm/v3/objects/notes/123")
    assert status == 404 and body["category"] == "OBJECT_NOT_FOUND"


def test_every_write_moves_hs_lastmodifieddate_strictly_forward(hub: Hub):
    note = hub.create("notes", hs_note_body="a")
    stamps = [note["properties"]["hs_lastmodifieddate"]]
    for i in range(20):
        status, body = hub.call(
            "PATCH", f"/crm/v3/objects/notes/{note['id']}", {"properties": {"hs_note_body": str(i)}}
        )
        assert status == 200
        stamps.append(body["properties"]["hs_lastmodifieddate"])
        assert body["updatedAt"] == stamps[-1]
    assert stamps == sorted(set(stamps))
    assert note["properties"]["hs_engagement_source"] == "API"


def test_batch_update_with_unknown_id_is_a_207(hub: Hub):
    task = hub.create("tasks", hs_task_subject="a")
    status, body = hub.call(
        "POST",
        "/crm/v3/objects/tasks/batch/update",
        {
            "inputs": [
                {"id": task["id"], "properties": {"hs_task_status": "COMPLETED"}},
                {"id": "999999999", "properties": {"hs_task_status": "COMPLETED"}},
            ]
        },
    )
    assert status == 207 and body["numErrors"] == 1
    assert body["results"][0]["properties"]["hs_task_status"] == "COMPLETED"
    assert body["errors"][0]["category"] == "OBJECT_NOT_FOUND"
    assert body["errors"][0]["context"]["ids"] == ["999999999"]

    status, body = hub.call(
        "POST", "/crm/v3/objects/tasks/batch/read", {"inputs": [{"id": task["id"]}, {"id": "1"}]}
    )
    assert status == 207 and body["errors"][0]["context"]["ids"] == ["1"]


def test_search_filters_paging_total_and_the_10k_cap(hub: Hub):
    made = [hub.create("calls", hs_call_title=f"c{i}") for i in range(7)]
    stamps = [c["properties"]["hs_lastmodifieddate"] for c in made]

    status, body = _search(hub, "calls", [], limit=3)
    assert status == 200 and body["total"] == 7 and body["paging"]["next"]["after"] == "3"
    seen, after = [], None
    while True:
        status, body = _search(hub, "calls", [], limit=3, **({"after": after} if after else {}))
        seen += [r["id"] for r in body["results"]]
        after = (body.get("paging") or {}).get("next", {}).get("after")
        if not after:
            break
    assert seen == [c["id"] for c in made]

    _, body = _search(
        hub,
        "calls",
        [{"propertyName": "hs_lastmodifieddate", "operator": "GT", "value": stamps[3]}],
    )
    assert [r["id"] for r in body["results"]] == [c["id"] for c in made[4:]]
    _, body = _search(
        hub,
        "calls",
        [{"propertyName": "hs_lastmodifieddate", "operator": "LT", "value": stamps[1]}],
    )
    assert [r["id"] for r in body["results"]] == [made[0]["id"]]
    _, body = _search(
        hub,
        "calls",
        [
            {
                "propertyName": "hs_object_id",
                "operator": "IN",
                "values": [made[2]["id"], made[5]["id"]],
            }
        ],
    )
    assert body["total"] == 2
    _, body = _search(
        hub,
        "calls",
        [{"propertyName": "hs_call_title", "operator": "EQ", "value": "c6"}],
        properties=["hs_call_title"],
    )
    assert body["results"][0]["properties"]["hs_call_title"] == "c6"

    status, body = _search(hub, "calls", [], limit=200, after=str(SEARCH_RESULT_CAP - 100))
    assert status == 400 and body["category"] == "VALIDATION_ERROR"
    status, _ = _search(hub, "calls", [], limit=201)
    assert status == 400
    status, body = _search(hub, "calls", [{"propertyName": "nope", "operator": "EQ", "value": "1"}])
    assert status == 400


def test_search_finds_past_lastmodified_seeded_through_control(hub: Hub):
    contact = hub.contact("p@example.com")
    old = hub.control(
        "activities",
        [
            {
                "type": "meeting",
                "properties": {
                    "hs_timestamp": "2023-05-01T10:00:00Z",
                    "hs_createdate": "2023-05-01T09:00:00Z",
                    "hs_lastmodifieddate": "2023-05-02T09:00:00Z",
                    "hs_meeting_title": "Old meeting",
                },
                "contactIds": [contact],
                "ownerId": next(iter(hub.emulator.owners)),
                "source": "SALESFORCE",
            }
        ],
    )["results"][0]
    hub.create("meetings", hs_meeting_title="New meeting")
    _, body = _search(
        hub,
        "meetings",
        [{"propertyName": "hs_lastmodifieddate", "operator": "LTE", "value": "1685000000000"}],
        properties=["hs_meeting_title", "hs_engagement_source", "hubspot_owner_id"],
    )
    assert [r["id"] for r in body["results"]] == [old["id"]]
    record = body["results"][0]
    assert record["createdAt"] == "2023-05-01T09:00:00.000Z"
    assert record["properties"]["hs_lastmodifieddate"] == "2023-05-02T09:00:00.000Z"
    assert record["properties"]["hs_engagement_source"] == "SALESFORCE"
    status, body = hub.call("GET", f"/crm/v4/objects/meetings/{old['id']}/associations/contacts")
    assert status == 200 and body["results"][0]["toObjectId"] == int(contact)


# --- associations ------------------------------------------------------------------------
def test_association_batch_read_shape_and_unknown_ids(hub: Hub):
    a, b = hub.contact("a@example.com"), hub.contact("b@example.com")
    email = hub.create("emails", hs_email_subject="hi", hs_email_direction="EMAIL")
    for contact in (a, b):
        status, body = hub.call(
            "PUT", f"/crm/v4/objects/emails/{email['id']}/associations/default/contacts/{contact}"
        )
        assert status == 200 and body["status"] == "COMPLETE"
    lonely = hub.create("emails", hs_email_subject="nobody")

    status, body = hub.call(
        "POST",
        "/crm/v4/associations/emails/contacts/batch/read",
        {"inputs": [{"id": email["id"]}, {"id": lonely["id"]}, {"id": "424242"}]},
    )
    assert status == 207 and body["numErrors"] == 1
    assert body["errors"][0]["context"] == {"fromObjectId": ["424242"]}
    (result,) = body["results"]
    assert result["from"] == {"id": email["id"]}
    assert sorted(t["toObjectId"] for t in result["to"]) == sorted([int(a), int(b)])
    assert result["to"][0]["associationTypes"] == [
        {"category": "HUBSPOT_DEFINED", "typeId": 198, "label": None}
    ]

    status, body = hub.call(
        "POST", "/crm/v4/associations/contacts/emails/batch/read", {"inputs": [{"id": a}]}
    )
    assert status == 200 and body["results"][0]["to"][0]["associationTypes"][0]["typeId"] == 197

    status, body = hub.call(
        "PUT", f"/crm/v4/objects/emails/{email['id']}/associations/default/contacts/777"
    )
    assert status == 400 and body["status"] == "error"
    status, _ = hub.call(
        "DELETE", f"/crm/v4/objects/contacts/{b}/associations/emails/{email['id']}"
    )
    assert status == 204
    _, body = hub.call("GET", f"/crm/v4/objects/emails/{email['id']}/associations/contacts")
    assert [t["toObjectId"] for t in body["results"]] == [int(a)]
    status, _ = hub.call(
        "PUT", f"/crm/v4/objects/emails/{email['id']}/associations/default/deals/1"
    )
    assert status == 400
    status, _ = hub.call(
        "POST",
        "/crm/v4/associations/emails/contacts/batch/read",
        {"inputs": [{"id": str(i)} for i in range(ASSOCIATION_BATCH_LIMIT + 1)]},
    )
    assert status == 400


def test_inline_associations_on_create(hub: Hub):
    contact = hub.contact("i@example.com")
    body = {
        "properties": {"hs_timestamp": TIMESTAMP},
        "associations": [
            {
                "to": {"id": contact},
                "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 204}],
            }
        ],
    }
    status, task = hub.call("POST", "/crm/v3/objects/tasks", body)
    assert status == 201
    status, got = hub.call("GET", f"/crm/v3/objects/tasks/{task['id']}?associations=contacts")
    assert got["associations"]["contacts"]["results"][0]["id"] == contact

    body["associations"][0]["types"][0]["associationTypeId"] = 202  # note->contact, not task
    status, _ = hub.call("POST", "/crm/v3/objects/tasks", body)
    assert status == 400


# --- forms ---------------------------------------------------------------------------------
def test_form_submissions_newest_first_with_stable_paging(hub: Hub):
    items = [
        {
            "type": "form_submission",
            "form": "Contact us",
            "email": f"f{i}@example.com",
            "submittedAt": 1_700_000_000_000 + i * 1000,
        }
        for i in range(120)
    ]
    guid = hub.control("activities", items)["results"][0]["formGuid"]
    seen, after, pages = [], None, 0
    while True:
        query = "limit=50" + (f"&after={after}" if after else "")
        status, body = hub.call("GET", f"/form-integrations/v1/submissions/forms/{guid}?{query}")
        assert status == 200
        pages += 1
        seen += body["results"]
        if pages == 1:
            # a submission arriving while we page must not shift the next pages
            hub.control(
                "activities",
                [
                    {
                        "type": "form_submission",
                        "form": guid,
                        "email": "late@example.com",
                        "submittedAt": 1_800_000_000_000,
                    }
                ],
            )
        after = (body.get("paging") or {}).get("next", {}).get("after")
        if not after:
            break
    assert pages == 3 and len(seen) == 120
    submitted = [s["submittedAt"] for s in seen]
    assert submitted == sorted(submitted, reverse=True) and submitted[0] == 1_700_000_119_000
    assert seen[0]["values"][0] == {
        "name": "email",
        "value": "f119@example.com",
        "objectTypeId": "0-1",
    }
    assert seen[0]["pageUrl"].startswith("https://")

    status, body = hub.call(
        "GET", f"/form-integrations/v1/submissions/forms/{guid}?limit={SUBMISSIONS_LIMIT_MAX + 1}"
    )
    assert status == 400
    status, body = hub.call(
        "GET", "/form-integrations/v1/submissions/forms/00000000-0000-0000-0000-000000000000"
    )
    assert status == 404 and body["category"] == "OBJECT_NOT_FOUND"


def test_forms_listing_types_and_blog_comments(hub: Hub):
    for i in range(25):
        hub.control("forms", {"name": f"Form {i}"})
    blog = hub.control("forms", {"name": "Blog", "formType": "blog_comment"})
    names, after = [], None
    while True:
        status, body = hub.call("GET", "/marketing/v3/forms" + (f"?after={after}" if after else ""))
        names += [f["name"] for f in body["results"]]
        after = (body.get("paging") or {}).get("next", {}).get("after")
        if not after:
            break
    assert len(names) == 25 and "Blog" not in names  # default: hubspot forms, 20 a page
    _, body = hub.call("GET", "/marketing/v3/forms?formTypes=blog_comment")
    assert [f["id"] for f in body["results"]] == [blog["id"]]
    _, body = hub.call("GET", "/marketing/v3/forms?formTypes=all&limit=100")
    assert len(body["results"]) == 26
    status, body = hub.call("GET", f"/form-integrations/v1/submissions/forms/{blog['id']}")
    assert status == 400 and body["category"] == "VALIDATION_ERROR"
    status, _ = hub.call("GET", "/marketing/v3/forms?formTypes=popup")
    assert status == 400


# --- marketing email -----------------------------------------------------------------------
def test_email_events_window_newest_first_and_offset_paging(hub: Hub):
    items = [
        {
            "type": "email_event",
            "campaign": "Spring",
            "eventType": kind,
            "recipient": f"r{i}@example.com",
            "created": 1_600_000_000_000 + i * 60_000,
        }
        for i in range(30)
        for kind in ("SENT", "OPEN")
    ]
    campaign_id = hub.control("activities", items)["results"][0]["emailCampaignId"]
    window = "startTimestamp=1600000060000&endTimestamp=1600001500000&eventType=SENT"
    seen, offset = [], None
    while True:
        status, body = hub.call(
            "GET",
            f"/email/public/v1/events?{window}&limit=7" + (f"&offset={offset}" if offset else ""),
        )
        assert status == 200
        seen += body["events"]
        if not body["hasMore"]:
            break
        offset = body["offset"]
    created = [e["created"] for e in seen]
    assert created == sorted(created, reverse=True)
    assert (
        created[0] == 1_600_001_500_000 and created[-1] == 1_600_000_060_000
    )  # both ends inclusive
    assert {e["type"] for e in seen} == {"SENT"} and len(seen) == 25
    event = seen[0]
    assert {"id", "created", "type", "recipient", "emailCampaignId", "appId", "portalId"} <= set(
        event
    )

    status, campaign = hub.call("GET", f"/email/public/v1/campaigns/{campaign_id}")
    assert (
        status == 200 and campaign["name"] == "Spring" and campaign["subject"] and campaign["appId"]
    )
    status, _ = hub.call("GET", "/email/public/v1/campaigns/1")
    assert status == 404
    status, body = hub.call("GET", "/email/public/v1/events?eventType=EXPLODED")
    assert status == 400 and body["category"] == "VALIDATION_ERROR"
    status, _ = hub.call("GET", "/email/public/v1/events?limit=1001")
    assert status == 400


# --- Events API ------------------------------------------------------------------------------
def test_events_api_paging_sorting_and_validation(hub: Hub):
    a, b = hub.contact("ea@example.com"), hub.contact("eb@example.com")
    items = [
        {
            "type": "event",
            "eventType": "e_integration_event",
            "contactId": (a, b)[i % 2],
            "occurredAt": 1_650_000_000_000 + i * 1000,
            "properties": {"hs_app_name": "Zoom", "hs_event_name": "Webinar attended"},
        }
        for i in range(25)
    ] + [
        {
            "type": "event",
            "eventType": "e_document_viewed",
            "email": "ea@example.com",
            "occurredAt": "2022-01-01T00:00:00Z",
            "properties": {},
        }
    ]
    hub.control("activities", items)

    def read(query: str) -> list[dict]:
        seen, after = [], None
        while True:
            status, body = hub.call(
                "GET", f"/events/v3/events?{query}" + (f"&after={after}" if after else "")
            )
            assert status == 200, body
            seen += body["results"]
            after = (body.get("paging") or {}).get("next", {}).get("after")
            if not after:
                return seen

    everything = read("objectType=contact&eventType=e_integration_event&limit=4&sort=ASCENDING")
    assert len(everything) == 25 and {e["objectId"] for e in everything} == {a, b}
    occurred = [e["occurredAt"] for e in everything]
    assert occurred == sorted(occurred)
    newest_first = read("objectType=contact&eventType=e_integration_event&limit=6")
    assert [e["id"] for e in newest_first] == [e["id"] for e in reversed(everything)]
    after = everything[9]["occurredAt"]
    newer = read(
        f"objectType=contact&eventType=e_integration_event&occurredAfter={after}&sort=ASCENDING"
    )
    assert newer == everything[10:]
    own = read(f"objectType=contact&objectId={b}&eventType=e_integration_event&sort=ASCENDING")
    assert own == [e for e in everything if e["objectId"] == b]
    assert everything[0]["properties"] == {
        "hs_app_name": "Zoom",
        "hs_event_name": "Webinar attended",
    }
    assert len(read("objectType=contact")) == 26
    by_email = read("objectType=contact&objectProperty.email=EA@example.com&sort=ASCENDING")
    assert by_email[0]["eventType"] == "e_document_viewed" and {
        e["objectId"] for e in by_email
    } == {a}

    for bad in (
        "eventType=e_nope",
        f"objectId={a}",
        "objectType=deal",
        "limit=1001",
        "after=%%%",
        "sort=UP",
    ):
        status, body = hub.call("GET", f"/events/v3/events?{bad}")
        assert status == 400 and body["category"] == "VALIDATION_ERROR", bad
    _, body = hub.call("GET", "/events/v3/events/event-types")
    assert "e_sales_email_opened" in body["eventTypes"]


# --- demo seed and state -------------------------------------------------------------------
def test_demo_history_is_deterministic_and_varied(demo_hub: Hub):
    emulator = demo_hub.emulator
    first = emulator.dump_activities()
    other = HubSpotEmulator()
    other.reset(seed="demo", contacts=600)
    assert other.dump_activities() == first

    counts = {k: len(v) for k, v in emulator.engagements.items()}
    total = (
        sum(counts.values())
        + len(emulator.email_events)
        + len(emulator.timeline_events)
        + sum(len(v) for v in emulator.form_submissions.values())
    )
    assert 3 * 600 <= total <= 7 * 600 and all(counts.values())
    emails = emulator.engagements["emails"].values()
    directions = {e["properties"]["hs_email_direction"] for e in emails}
    assert directions == {"EMAIL", "INCOMING_EMAIL"}
    to_contacts = emulator.assoc["emails:contacts"]
    assert any(len(v) >= 2 for v in to_contacts.values())  # some emails went to several contacts
    owners = {
        e["properties"].get("hubspot_owner_id")
        for k in counts
        for e in emulator.engagements[k].values()
    }
    assert owners - {None} <= set(emulator.owners)
    assert {r[3] for r in emulator.timeline_events} == {
        "e_sales_email_opened",
        "e_sales_email_clicked",
        "e_document_viewed",
        "e_integration_event",
    }
    assert {e["formType"] for e in emulator.forms.values()} == {"hubspot", "blog_comment"}
    assert len(emulator.email_campaigns) == 6
    sources = {
        e["properties"]["hs_engagement_source"]
        for k in counts
        for e in emulator.engagements[k].values()
    }
    assert "SALESFORCE" in sources and "API" not in sources


def test_dump_and_load_round_trip(demo_hub: Hub):
    state = json.loads(json.dumps(demo_hub.emulator.dump_activities()))  # JSON-safe
    other = HubSpotEmulator()
    other.load_activities(state)
    assert other.dump_activities() == state
    response = Client(other).get("/events/v3/events?limit=3", headers=AUTH)
    assert response.status_code == 200 and len(response.get_json()["results"]) == 3


# --- bodies are HTML -------------------------------------------------------------------------
BODIES = {
    "notes": "hs_note_body",
    "calls": "hs_call_body",
    "meetings": "hs_meeting_body",
    "tasks": "hs_task_body",
    "emails": "hs_email_html",
}


def test_demo_bodies_are_html_as_hubspot_stores_them(demo_hub: Hub):
    engagements = demo_hub.emulator.engagements
    for kind, prop in BODIES.items():
        bodies = [e["properties"][prop] for e in engagements[kind].values()]
        assert bodies and all(b.startswith("<") and b.endswith(">") for b in bodies), kind
    notes = {e["properties"]["hs_note_body"] for e in engagements["notes"].values()}
    markup = "".join(notes)
    for piece in ('<p style="margin:0;">', "<br>", "&amp;", "&nbsp;", "&#39;", "<li", "<a href="):
        assert piece in markup
    assert any(b.count("<p ") > 1 for b in notes)  # multi-paragraph
    for email in engagements["emails"].values():
        assert email["properties"]["hs_email_text"]  # the plain part beside the HTML
        assert "<" not in email["properties"]["hs_email_text"]


def test_an_engagement_keeps_the_body_it_was_given(hub: Hub):
    html = '<div><p style="margin:0;">A &amp; B</p></div>'
    for body in (html, "plain\ntext & <not a tag"):
        created = hub.create("notes", hs_note_body=body)
        _, read = hub.call("GET", f"/crm/v3/objects/notes/{created['id']}?properties=hs_note_body")
        assert read["properties"]["hs_note_body"] == body


def test_contains_token_finds_a_word_in_the_text_of_an_html_body(hub: Hub):
    note = hub.create(
        "notes",
        hs_note_body='<div dir="auto"><p style="margin:0;">From Salesforce by syncadmin: '
        'sfsync00T000000000001AAA</p><p style="margin:0;">R&amp;D&nbsp;team</p></div>',
    )
    hub.create("notes", hs_note_body="<p>sfsync00T000000000002AAA</p>")

    def found(token: str) -> list[str]:
        filters = [{"propertyName": "hs_note_body", "operator": "CONTAINS_TOKEN", "value": token}]
        status, body = _search(hub, "notes", filters)
        assert status == 200, body
        return [r["id"] for r in body["results"]]

    assert found("sfsync00T000000000001AAA") == [note["id"]]
    assert found("r&d") == [note["id"]]  # entities decoded, as the text reads
    assert found("margin") == [] and found("p") == []  # markup is not text


# --- through the real sandbox process --------------------------------------------------------
def test_injected_record_errors_make_a_207(sandbox: Sandbox):
    import requests

    info = sandbox.info["hubspot"]
    sandbox.hubspot.fault(
        method="POST",
        path="/crm/v3/objects/tasks/batch/create",
        record_errors={"1": {"status": 400, "message": "Injected", "category": "VALIDATION_ERROR"}},
    )
    answer = requests.post(
        f"{info['base_url']}/crm/v3/objects/tasks/batch/create",
        json={
            "inputs": [
                {"properties": {"hs_timestamp": TIMESTAMP}, "objectWriteTraceId": str(i)}
                for i in range(3)
            ]
        },
        headers={"Authorization": f"Bearer {info['access_token']}"},
        timeout=10,
    )
    assert answer.status_code == 207
    body = answer.json()
    assert body["numErrors"] == 1 and body["errors"][0]["context"]["objectWriteTraceId"] == ["1"]
    assert sorted(r["objectWriteTraceId"] for r in body["results"]) == ["0", "2"]


def test_control_seeding_with_past_timestamps_through_the_process(sandbox: Sandbox):
    import requests

    info = sandbox.info["hubspot"]
    headers = {"Authorization": f"Bearer {info['access_token']}"}
    results = sandbox.hubspot.control(
        "POST",
        "activities",
        {
            "items": [
                {
                    "type": "form_submission",
                    "form": "Demo request",
                    "email": "x@example.com",
                    "submittedAt": "2024-03-01T12:00:00Z",
                },
                {
                    "type": "email_event",
                    "campaign": "Launch",
                    "eventType": "CLICK",
                    "recipient": "x@example.com",
                    "created": 1_709_294_400_000,
                },
                {
                    "type": "note",
                    "properties": {
                        "hs_timestamp": "2024-03-01T12:00:00Z",
                        "hs_note_body": "old",
                        "hs_lastmodifieddate": "2024-03-02T00:00:00Z",
                    },
                },
            ]
        },
    )["results"]
    assert [r["type"] for r in results] == ["form_submission", "email_event", "note"]
    subs = requests.get(
        f"{info['base_url']}/form-integrations/v1/submissions/forms/{results[0]['formGuid']}",
        headers=headers,
        timeout=10,
    ).json()
    assert subs["results"][0]["submittedAt"] == 1_709_294_400_000
    events = requests.get(
        f"{info['base_url']}/email/public/v1/events?eventType=CLICK", headers=headers, timeout=10
    ).json()
    assert events["events"][0]["created"] == 1_709_294_400_000 and events["hasMore"] is False
    note = requests.get(
        f"{info['base_url']}/crm/v3/objects/notes/{results[2]['id']}", headers=headers, timeout=10
    ).json()
    assert note["updatedAt"] == "2024-03-02T00:00:00.000Z"

    bad = requests.post(
        f"{info['base_url']}/__sandbox__/activities", json=[{"type": "fax"}], timeout=10
    )
    assert bad.status_code == 400
