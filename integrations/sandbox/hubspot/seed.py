"""Seed profiles: ``empty`` (owners and properties only) and ``demo``.

The demo portal is built from ``integrations.sandbox.demo`` so HubSpot and
Salesforce agree on people and reps. Everything is deterministic: the same
``contacts`` count gives the same ids, timestamps, owners and lists.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from integrations.sandbox.demo import (
    BENCH_LIST,
    COMPANIES,
    DEMO_EPOCH,
    EMEA,
    JOB_TITLES,
    DemoPerson,
    demo_users,
)
from integrations.sandbox.hubspot.properties import iso

if TYPE_CHECKING:
    from integrations.sandbox.hubspot.app import HubSpotEmulator

#: owner ids are a fixed offset from the rep's demo index
OWNER_ID_BASE = 70_000_100
#: when the demo owners "joined" the portal
OWNERS_CREATED = iso(DEMO_EPOCH - timedelta(days=900))
#: when the demo lists were built
LISTS_CREATED = iso(DEMO_EPOCH)
#: filler lists, so list search has pages to turn
FILLER_LISTS = 40


def owner_id(user_index: int) -> str:
    return str(OWNER_ID_BASE + user_index)


def seed_owners(emulator: HubSpotEmulator) -> None:
    """The HubSpot-side reps of ``demo_users()``, in every seed (a portal always has users)."""
    for user in demo_users():
        if not user.in_hubspot:
            continue
        emulator.owners[owner_id(user.index)] = {
            "id": owner_id(user.index),
            "email": user.email,
            "type": "PERSON",
            "firstName": user.firstname,
            "lastName": user.lastname,
            "userId": 9_100_000 + user.index,
            "userIdIncludingInactive": 9_100_000 + user.index,
            "createdAt": OWNERS_CREATED,
            "updatedAt": OWNERS_CREATED,
            "archived": False,
            "teams": [{"id": "410001", "name": "Sales", "primary": True}],
        }


def _enum_filter(prop: str, values: list[str]) -> dict[str, Any]:
    return {
        "filterType": "PROPERTY",
        "property": prop,
        "operation": {
            "operationType": "ENUMERATION",
            "operator": "IS_ANY_OF",
            "values": values,
            "includeObjectsWithNoValueSet": False,
        },
    }


def _string_filter(prop: str, operator: str, values: list[str]) -> dict[str, Any]:
    return {
        "filterType": "PROPERTY",
        "property": prop,
        "operation": {
            "operationType": "MULTISTRING",
            "operator": operator,
            "values": values,
            "includeObjectsWithNoValueSet": False,
        },
    }


def _branch(*filters: dict[str, Any]) -> dict[str, Any]:
    """The OR-of-AND shape HubSpot requires, with one AND branch."""
    return {
        "filterBranchType": "OR",
        "filterBranchOperator": "OR",
        "filters": [],
        "filterBranches": [
            {
                "filterBranchType": "AND",
                "filterBranchOperator": "AND",
                "filters": list(filters),
                "filterBranches": [],
            }
        ],
    }


def seed_bench(emulator: HubSpotEmulator, people: list[DemoPerson]) -> None:
    """The benchmark's contacts and its one active list (80% of them)."""
    seed_contacts(emulator, people)
    emulator.add_list(
        BENCH_LIST,
        "DYNAMIC",
        _branch(_enum_filter("lifecyclestage", ["lead"])),
        created=LISTS_CREATED,
    )


def seed_demo(emulator: HubSpotEmulator, people: list[DemoPerson]) -> None:
    """Contacts from ``people``, then the four named demo lists and the fillers."""
    seed_contacts(emulator, people)
    _demo_lists(emulator)


def seed_contacts(emulator: HubSpotEmulator, people: list[DemoPerson]) -> None:
    latest = DEMO_EPOCH
    for person in people:
        contact_id = emulator.new_id()
        created = iso(person.created_at)
        modified_at = min(DEMO_EPOCH, person.created_at + timedelta(hours=person.index % 720))
        modified = iso(modified_at)
        props = {
            "firstname": person.firstname,
            "lastname": person.lastname,
            "company": person.company,
            "jobtitle": person.jobtitle,
            "phone": person.phone,
            "country": person.country,
            "lifecyclestage": person.lifecyclestage,
            "hubspot_owner_id": owner_id(person.owner_index),
            "createdate": created,
            "lastmodifieddate": modified,
            "hs_object_id": contact_id,
        }
        if person.email:
            props["email"] = person.email
            emulator.contact_id_by_email[person.email.lower()] = contact_id
        emulator.contacts[contact_id] = {
            "id": contact_id,
            "properties": props,
            "createdAt": created,
            "updatedAt": modified,
            "archived": False,
        }
        emulator.contact_order.append(int(contact_id))
    emulator.last_ms = max(emulator.last_ms, int(latest.timestamp() * 1000))


def _demo_lists(emulator: HubSpotEmulator) -> None:
    emulator.add_list(
        "MQLs — EMEA",
        "DYNAMIC",
        _branch(
            _enum_filter("lifecyclestage", ["marketingqualifiedlead"]),
            _string_filter("country", "IS_EQUAL_TO", list(EMEA)),
        ),
        created=LISTS_CREATED,
    )
    emulator.add_list(
        "All customers",
        "DYNAMIC",
        _branch(_enum_filter("lifecyclestage", ["customer"])),
        created=LISTS_CREATED,
    )
    ids = list(emulator.contacts)
    with_email = [cid for cid in ids if emulator.contacts[cid]["properties"].get("email")]
    emulator.add_list("Newsletter", "MANUAL", members=with_email[::7], created=LISTS_CREATED)
    webinar = [
        cid for cid in ids if emulator.contacts[cid]["properties"]["createdate"].startswith("2025")
    ][::5]
    emulator.add_list("Webinar 2025 attendees", "SNAPSHOT", members=webinar, created=LISTS_CREATED)
    for i in range(FILLER_LISTS):
        kind = ("MANUAL", "DYNAMIC", "SNAPSHOT")[i % 3]
        title = JOB_TITLES[i % len(JOB_TITLES)]
        company = COMPANIES[i % len(COMPANIES)]
        if kind == "DYNAMIC":
            emulator.add_list(
                f"{title}s at {company} ({i + 1})",
                kind,
                _branch(
                    _string_filter("jobtitle", "IS_EQUAL_TO", [title]),
                    _string_filter("company", "IS_EQUAL_TO", [company]),
                ),
                created=LISTS_CREATED,
            )
        else:
            label = "Event" if kind == "SNAPSHOT" else "Campaign"
            emulator.add_list(
                f"{label} {i + 1}: {company}", kind, members=ids[i :: 97 + i], created=LISTS_CREATED
            )
