"""Engagements: batch writes, default associations, incremental reads by hs_lastmodifieddate."""

from __future__ import annotations

import pytest

from integrations.hubspot.client import HubSpotClient
from integrations.hubspot.streams import cursor_ms
from tests.integrations.hubspot.conftest import calls_to

TIMESTAMP = "1735732800000"  # 2025-01-01T12:00:00Z


@pytest.fixture
def contacts(hubspot: HubSpotClient) -> list[str]:
    created = hubspot.contacts_batch_create(
        [{"properties": {"email": f"e{i}@example.com"}} for i in range(3)]
    )
    return [created.results[i]["id"] for i in range(3)]


def _tasks(n: int) -> list[dict]:
    return [
        {
            "properties": {
                "hs_timestamp": TIMESTAMP,
                "hs_task_subject": f"Follow up {i}",
                "hs_task_status": "NOT_STARTED",
                "hs_task_priority": "MEDIUM",
                "hs_task_type": "TODO",
            }
        }
        for i in range(n)
    ]


def test_tasks_are_created_in_chunks_and_updated(hubspot: HubSpotClient, sandbox):
    created = hubspot.engagements_batch_create("tasks", _tasks(120))

    assert not created.errors and sorted(created.results) == list(range(120))
    assert calls_to(sandbox, "POST /crm/v3/objects/<object_type>/batch/create") == 2
    first = created.results[0]["id"]
    updated = hubspot.engagements_batch_update(
        "tasks", [{"id": first, "properties": {"hs_task_status": "COMPLETED"}}]
    )
    assert updated.results[0]["properties"]["hs_task_status"] == "COMPLETED"


def test_default_association_and_batch_read(hubspot: HubSpotClient, contacts: list[str]):
    notes = hubspot.engagements_batch_create(
        "notes",
        [{"properties": {"hs_timestamp": TIMESTAMP, "hs_note_body": f"n{i}"}} for i in range(2)],
    )
    note_a, note_b = notes.results[0]["id"], notes.results[1]["id"]
    hubspot.associate_default("notes", note_a, "contacts", contacts[0])
    hubspot.associate_default("notes", note_a, "contacts", contacts[1])
    hubspot.associate_default("notes", note_b, "contacts", contacts[2])

    found = hubspot.associations_batch_read("notes", "contacts", [note_a, note_b])

    assert sorted(found[note_a]) == sorted(contacts[:2])
    assert found[note_b] == [contacts[2]]


def test_engagements_modified_since_reads_only_newer_changes(hubspot: HubSpotClient):
    created = hubspot.engagements_batch_create(
        "calls",
        [
            {"properties": {"hs_timestamp": TIMESTAMP, "hs_call_title": f"Call {i}"}}
            for i in range(5)
        ],
    )
    ids = {created.results[i]["id"] for i in range(5)}

    pages = list(hubspot.engagements_modified_since("calls", 0, ["hs_call_title"]))
    seen = [r for p in pages for r in p]
    assert {r["id"] for r in seen} == ids
    modified = [cursor_ms(r["properties"]["hs_lastmodifieddate"]) for r in seen]
    assert modified == sorted(modified)

    after_all = max(modified) + 1
    assert list(hubspot.engagements_modified_since("calls", after_all, [])) == []


def test_only_engagement_types_are_accepted(hubspot: HubSpotClient):
    with pytest.raises(ValueError, match="not an engagement type"):
        hubspot.engagements_batch_create("contacts", _tasks(1))
