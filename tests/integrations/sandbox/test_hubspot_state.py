"""The HubSpot emulator's seeds and saved state, in-process (no server needed)."""

from __future__ import annotations

import json

from werkzeug.test import Client

from integrations.sandbox.demo import demo_people, demo_users
from integrations.sandbox.hubspot.app import ACCESS_TOKEN, HubSpotEmulator

AUTH = {"Authorization": f"Bearer {ACCESS_TOKEN}"}


def _core(state: dict) -> dict:
    """The CRM-core part of a dump (activities belong to their own tests)."""
    return {k: v for k, v in state.items() if k != "activities"}


def test_empty_seed_has_owners_and_nothing_else():
    emulator = HubSpotEmulator()
    assert emulator.contacts == {} and emulator.lists == {}
    hubspot_reps = {u.email for u in demo_users() if u.in_hubspot}
    assert {o["email"] for o in emulator.owners.values()} == hubspot_reps


def test_demo_seed_is_deterministic_and_matches_demo_people():
    first, second = HubSpotEmulator(), HubSpotEmulator()
    first.reset(seed="demo", contacts=300)
    second.reset(seed="demo", contacts=300)
    assert json.dumps(_core(first.dump_state())) == json.dumps(_core(second.dump_state()))

    people = list(demo_people(300))
    contacts = list(first.contacts.values())
    assert len(contacts) == 300
    for person, contact in zip(people, contacts, strict=True):
        props = contact["properties"]
        assert props.get("email") == person.email
        assert props["hubspot_owner_id"] in first.owners
        assert props["createdate"].startswith(person.created_at.strftime("%Y-%m-%dT%H:%M"))
    assert any(p.email is None for p in demo_people(2000))
    names = {r["name"]: r for r in first.lists.values()}
    assert names["MQLs — EMEA"]["processingType"] == "DYNAMIC"
    assert names["All customers"]["processingType"] == "DYNAMIC"
    assert names["Newsletter"]["processingType"] == "MANUAL" and names["Newsletter"]["members"]
    assert names["Webinar 2025 attendees"]["processingType"] == "SNAPSHOT"
    assert len(names) >= 44


def test_state_survives_a_dump_and_load():
    emulator = HubSpotEmulator()
    emulator.reset(seed="demo", contacts=200)
    client = Client(emulator)
    created = client.post(
        "/crm/v3/objects/contacts",
        json={"properties": {"email": "saved@example.com", "lifecyclestage": "customer"}},
        headers=AUTH,
    ).json
    saved = json.loads(json.dumps(emulator.dump_state()))

    restored = HubSpotEmulator()
    restored.load_state(saved)
    assert _core(restored.dump_state()) == _core(saved)
    again = Client(restored)
    fetched = again.get(
        "/crm/v3/objects/contacts/saved@example.com?idProperty=email", headers=AUTH
    ).json
    assert fetched["id"] == created["id"]
    newer = again.post(
        "/crm/v3/objects/contacts", json={"properties": {"email": "n@example.com"}}, headers=AUTH
    ).json
    assert int(newer["id"]) > int(created["id"])
    assert newer["updatedAt"] > created["updatedAt"]
    customers = next(r for r in restored.lists.values() if r["name"] == "All customers")
    assert created["id"] in customers["members"]
    # DYNAMIC lists keep working after a load
    again.patch(
        f"/crm/v3/objects/contacts/{created['id']}",
        json={"properties": {"lifecyclestage": "lead"}},
        headers=AUTH,
    )
    assert created["id"] not in customers["members"]
