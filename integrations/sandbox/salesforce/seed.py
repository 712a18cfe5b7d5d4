"""Seed profiles of the Salesforce sandbox: ``empty`` (users only) and ``demo``.

The demo org holds, deterministically, the Salesforce side of the shared demo
people (``demo.py``): leads and contacts overlapping the HubSpot contacts by
email, Salesforce-only people, accounts, users, and two years of tasks and
events, so the product has history to sync on first start.
"""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta
from itertools import chain
from typing import TYPE_CHECKING

from integrations.sandbox.demo import (
    COMPANIES,
    DEMO_EPOCH,
    bench_people,
    demo_people,
    demo_salesforce_only,
    demo_users,
)
from integrations.sandbox.salesforce import ids
from integrations.sandbox.salesforce.describe import INDUSTRIES, LEAD_STATUSES
from integrations.sandbox.salesforce.soql import format_datetime
from integrations.sandbox.salesforce.store import Store

if TYPE_CHECKING:
    from integrations.sandbox.salesforce.app import SalesforceEmulator

INTEGRATION_USER = {
    "Username": "integration@syncadmin-sandbox.example",
    "FirstName": "Integration",
    "LastName": "User",
    "Email": "integration@syncadmin-sandbox.example",
    "Alias": "integ",
}
#: demo activity history reaches this far back from DEMO_EPOCH
HISTORY_DAYS = 730
TASK_SUBJECTS = {
    "Task": ["Follow up", "Send proposal", "Prepare demo", "Check in"],
    "Email": ["Email: Pricing question", "Email: Intro", "Email: Next steps"],
    "Call": ["Call: Discovery", "Call: Follow-up", "Call: Renewal"],
}


def load(emulator: SalesforceEmulator, profile: str, contacts: int | None) -> None:
    """Fill ``emulator.store`` for ``profile``; ``none`` leaves it bare (state loading)."""
    store = emulator.store
    emulator.org_id = ids.make_id("00D", 1)
    if profile == "none":
        emulator.integration_user = ids.make_id("005", 1)
        return
    if profile not in ("empty", "demo", "bench"):
        raise ValueError(f"unknown seed: {profile}")
    since = _stamp(DEMO_EPOCH - timedelta(days=3 * 365))
    store.insert_raw(
        "Organization",
        {
            "Id": emulator.org_id,
            "Name": "syncadmin Sandbox",
            "OrganizationType": "Developer Edition",
            "IsSandbox": True,
            "InstanceName": "SBX1",
            "CreatedDate": since,
        },
        "",
    )
    integration = store.new_id("User")
    emulator.integration_user = integration
    store.insert_raw(
        "User", {"Id": integration, **INTEGRATION_USER, "CreatedDate": since}, integration
    )
    owners: dict[int, str] = {}
    for user in demo_users():
        if user.in_salesforce:
            owners[user.index] = store.insert_raw(
                "User",
                {
                    "Username": user.email,
                    "FirstName": user.firstname,
                    "LastName": user.lastname,
                    "Email": user.email,
                    "Alias": (user.firstname[:1] + user.lastname[:4]).lower(),
                    "CreatedDate": since,
                },
                integration,
            )
    if profile == "demo":
        _demo(emulator, contacts, owners)
    if profile == "bench":
        _bench(emulator, contacts)
    for sobject in store.records:
        store.sort_by_modstamp(sobject)


def _stamp(moment: datetime) -> str:
    return format_datetime(moment)


def _demo(emulator: SalesforceEmulator, contacts: int | None, owners: dict[int, str]) -> None:
    store = emulator.store
    integration = emulator.integration_user
    rng = random.Random("salesforce-demo")
    accounts: dict[str, str] = {}
    for number, company in enumerate(COMPANIES):
        accounts[company] = store.insert_raw(
            "Account",
            {
                "Name": company,
                "Industry": INDUSTRIES[number % len(INDUSTRIES)],
                "BillingCountry": "Finland" if number % 2 else "United States",
                "Website": "https://" + re.sub(r"[^a-z]", "", company.lower()) + ".example",
                "CreatedDate": _stamp(DEMO_EPOCH - timedelta(days=900 - number)),
            },
            integration,
        )
    for person in chain(demo_people(contacts), demo_salesforce_only(contacts)):
        if not person.salesforce_as:
            continue
        owner = owners.get(person.owner_index, integration)
        created = person.created_at
        modified = min(created + timedelta(minutes=rng.randrange(0, 60 * 24 * 60)), DEMO_EPOCH)
        values = {
            "FirstName": person.firstname,
            "LastName": person.lastname,
            "Email": person.salesforce_email,
            "Phone": person.phone,
            "Title": person.jobtitle,
            "CreatedDate": _stamp(created),
            "LastModifiedDate": _stamp(modified),
            "SystemModstamp": _stamp(modified),
        }
        if person.salesforce_as == "Lead":
            values.update(
                Company=person.company,
                Country=person.country,
                Status=LEAD_STATUSES[rng.randrange(0, 2)],
            )
        else:
            values.update(AccountId=accounts[person.company], MailingCountry=person.country)
        who = store.insert_raw(person.salesforce_as, values, owner)
        what = values.get("AccountId")
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            _task(store, rng, who, what, owner)
        if rng.random() < 0.3:
            _event(store, rng, who, what, owner)


def _bench(emulator: SalesforceEmulator, contacts: int | None) -> None:
    """Leads for the half of ``bench_people`` marked for Salesforce, with the same values
    as in HubSpot, so a full sync links them and writes nothing back."""
    for person in bench_people(contacts):
        if person.salesforce_as != "Lead":
            continue
        stamp = _stamp(person.created_at)
        emulator.store.insert_raw(
            "Lead",
            {
                "FirstName": person.firstname,
                "LastName": person.lastname,
                "Email": person.salesforce_email,
                "Phone": person.phone,
                "Title": person.jobtitle,
                "Company": person.company,
                "Country": person.country,
                "Status": LEAD_STATUSES[0],
                "CreatedDate": stamp,
                "LastModifiedDate": stamp,
                "SystemModstamp": stamp,
            },
            emulator.integration_user,
        )


def _when(rng: random.Random) -> datetime:
    return DEMO_EPOCH - timedelta(minutes=rng.randrange(0, 60 * 24 * HISTORY_DAYS))


def _task(store: Store, rng: random.Random, who: str, what: str | None, owner: str) -> None:
    subtype = rng.choice(("Task", "Email", "Email", "Call"))
    moment = _when(rng)
    stamp = _stamp(moment)
    store.insert_raw(
        "Task",
        {
            "Subject": rng.choice(TASK_SUBJECTS[subtype]),
            "TaskSubtype": subtype,
            "Type": {"Email": "Email", "Call": "Call"}.get(subtype, rng.choice(("Other", None))),
            "Status": "Completed" if rng.random() < 0.8 else "Not Started",
            "Priority": rng.choice(("Normal", "Normal", "High", "Low")),
            "ActivityDate": moment.date().isoformat(),
            "WhoId": who,
            "WhatId": what,
            "OwnerId": owner,
            "CreatedDate": stamp,
            "LastModifiedDate": stamp,
            "SystemModstamp": stamp,
        },
        owner,
    )


def _event(store: Store, rng: random.Random, who: str, what: str | None, owner: str) -> None:
    moment = _when(rng).replace(minute=0, second=0, microsecond=0)
    stamp = _stamp(moment - timedelta(days=2))
    store.insert_raw(
        "Event",
        {
            "Subject": rng.choice(("Meeting: Demo", "Meeting: Kick-off", "Meeting: QBR")),
            "Type": "Meeting",
            "StartDateTime": _stamp(moment),
            "DurationInMinutes": rng.choice((30, 60)),
            "WhoId": who,
            "WhatId": what,
            "OwnerId": owner,
            "CreatedDate": stamp,
            "LastModifiedDate": stamp,
            "SystemModstamp": stamp,
        },
        owner,
    )
