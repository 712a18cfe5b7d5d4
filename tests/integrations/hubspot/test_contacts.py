"""Contacts: batches in chunks of 100 with per-input outcomes, paging, incremental reads."""

from __future__ import annotations

from integrations.hubspot.client import HubSpotClient
from tests.integrations.hubspot.conftest import calls_to, make_client

BATCH_CREATE = "POST /crm/v3/objects/contacts/batch/create"


def _contacts(n: int, prefix: str = "c") -> list[dict]:
    return [
        {"properties": {"email": f"{prefix}{i}@example.com", "firstname": f"F{i}"}}
        for i in range(n)
    ]


def test_250_contacts_are_created_in_three_calls(hubspot: HubSpotClient, sandbox):
    outcome = hubspot.contacts_batch_create(_contacts(250))

    assert calls_to(sandbox, BATCH_CREATE) == 3
    assert not outcome.errors and not outcome.unmatched
    assert sorted(outcome.results) == list(range(250))
    assert outcome.results[137]["properties"]["email"] == "c137@example.com"


def test_a_partial_failure_names_the_inputs_that_failed(hubspot: HubSpotClient, sandbox):
    sandbox.hubspot.fault(
        method="POST",
        path="/crm/v3/objects/contacts/batch/create",
        record_errors={
            "2": {"category": "VALIDATION_ERROR", "message": "Email address c2 is invalid"},
            "4": {"category": "VALIDATION_ERROR", "message": "Property phone is not valid"},
        },
    )
    outcome = hubspot.contacts_batch_create(_contacts(5))

    assert sorted(outcome.results) == [0, 1, 3]
    failed = {e.index: e for e in outcome.errors}
    assert sorted(failed) == [2, 4]
    assert failed[2].input["properties"]["email"] == "c2@example.com"
    assert "c2 is invalid" in failed[2].message
    assert failed[4].category == "VALIDATION_ERROR"
    assert "phone" in failed[4].message


def test_batch_read_reports_missing_ids_against_their_inputs(hubspot: HubSpotClient):
    created = hubspot.contacts_batch_create(_contacts(3))
    ids = [created.results[i]["id"] for i in range(3)]

    outcome = hubspot.contacts_batch_read([ids[0], "999999999", ids[2]], ["email"])

    assert sorted(outcome.results) == [0, 2]
    assert outcome.results[2]["properties"]["email"] == "c2@example.com"
    assert [e.index for e in outcome.errors] == [1]
    assert outcome.errors[0].category == "OBJECT_NOT_FOUND"


def test_read_by_email_and_upsert_by_email(hubspot: HubSpotClient):
    hubspot.contacts_batch_create(_contacts(2))

    upserted = hubspot.contacts_batch_upsert(
        [
            {"id": "c1@example.com", "properties": {"firstname": "Changed"}},
            {"id": "new@example.com", "properties": {"firstname": "New"}},
        ]
    )
    assert not upserted.errors and sorted(upserted.results) == [0, 1]

    read = hubspot.contacts_batch_read(
        ["c1@example.com", "new@example.com"], ["firstname"], id_property="email"
    )
    assert [read.results[i]["properties"]["firstname"] for i in (0, 1)] == ["Changed", "New"]


def test_batch_update_and_plain_paging(hubspot: HubSpotClient):
    created = hubspot.contacts_batch_create(_contacts(130))
    updates = [
        {"id": created.results[i]["id"], "properties": {"firstname": "Updated"}} for i in range(130)
    ]
    updated = hubspot.contacts_batch_update(updates)
    assert not updated.errors and len(updated.results) == 130

    assert hubspot.contacts_total() == 130
    pages = list(hubspot.contacts_pages(["firstname", "email"]))
    assert [len(p) for p in pages] == [100, 30]
    assert {r["properties"]["firstname"] for p in pages for r in p} == {"Updated"}


def test_modified_since_returns_every_contact_once_across_the_10k_cap(sandbox, db, meter):
    total = 10_450
    # HubSpot's real search limit (5/s) would make this test take 11 s of waiting alone
    sandbox.hubspot.control(
        "PATCH", "settings", {"search_per_second": 1000, "ten_second_limit": 10_000}
    )
    hubspot = make_client(sandbox, meter, ten_second_limit=10_000, search_per_second=1000)
    created = hubspot.contacts_batch_create(_contacts(total))
    assert len(created.results) == total

    seen: list[str] = []
    for page in hubspot.contacts_modified_since(0, ["email"]):
        seen.extend(r["id"] for r in page)

    assert len(seen) == total
    assert len(set(seen)) == total
    searches = calls_to(sandbox, "POST /crm/v3/objects/contacts/search")
    assert searches <= total // 200 + 3  # a re-anchor costs at most a page or two
