"""Seed profiles and saved state of the Salesforce sandbox (in-process: no server needed)."""

from __future__ import annotations

import json
from itertools import chain

from integrations.sandbox.demo import demo_people, demo_salesforce_only, demo_users
from integrations.sandbox.salesforce.app import SalesforceEmulator

DEMO_OBJECTS = ("Account", "Contact", "Lead", "Task", "Event", "User")


def demo(contacts: int = 300) -> SalesforceEmulator:
    emulator = SalesforceEmulator()
    emulator.reset(seed="demo", contacts=contacts)
    return emulator


def test_empty_holds_users_and_metadata_only():
    emulator = SalesforceEmulator()
    records = emulator.store.records
    assert {
        n: len(records[n]) for n in ("Lead", "Contact", "Task", "Event", "Account")
    } == dict.fromkeys(("Lead", "Contact", "Task", "Event", "Account"), 0)
    expected_users = 1 + sum(1 for u in demo_users() if u.in_salesforce)
    assert len(records["User"]) == expected_users
    assert len(records["Organization"]) == 1
    assert len(records["TaskStatus"]) == 5


def test_demo_is_deterministic():
    first, second = demo(), demo()
    for name in DEMO_OBJECTS:
        assert first.store.records[name] == second.store.records[name]


def test_demo_people_match_the_shared_generator():
    emulator = demo()
    expected = {
        (p.salesforce_as, p.salesforce_email)
        for p in chain(demo_people(300), demo_salesforce_only(300))
        if p.salesforce_as
    }
    seeded = {
        (name, r["Email"])
        for name in ("Lead", "Contact")
        for r in emulator.store.records[name].values()
    }
    assert seeded == expected


def test_demo_links_hold():
    emulator = demo()
    records = emulator.store.records
    assert all(r["AccountId"] in records["Account"] for r in records["Contact"].values())
    people = records["Contact"].keys() | records["Lead"].keys()
    assert all(r["WhoId"] in people for r in records["Task"].values())
    assert {r["TaskSubtype"] for r in records["Task"].values()} == {"Task", "Email", "Call"}
    assert all(r["EndDateTime"] > r["StartDateTime"] for r in records["Event"].values())
    stamps = [r["SystemModstamp"] for r in records["Task"].values()]
    assert stamps == sorted(stamps)  # kept in SystemModstamp order
    _, _, _, live = emulator.run_soql("SELECT Id FROM Task", False)
    _, _, _, everything = emulator.run_soql("SELECT Id FROM Task", True)
    assert 0 < len(live) < len(everything)  # two years of history: some archived


def test_state_round_trips_through_json():
    emulator = demo(100)
    state = json.loads(json.dumps(emulator.dump_state()))
    restored = SalesforceEmulator()
    restored.load_state(state)
    for name in DEMO_OBJECTS:
        assert restored.store.records[name] == emulator.store.records[name]
    assert restored.store.email_index["Lead"] == emulator.store.email_index["Lead"]
    assert restored.integration_user == emulator.integration_user
    new_id = restored.store.create(
        "Lead", {"LastName": "X", "Company": "C"}, restored.integration_user
    )
    assert new_id not in emulator.store.records["Lead"]
