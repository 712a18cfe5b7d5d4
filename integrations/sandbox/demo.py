"""Deterministic demo people shared by both emulators.

Both emulators seed from these generators, so the HubSpot contacts and the
Salesforce leads/contacts overlap by email exactly as documented in the
README: about 30% of the HubSpot contacts also exist in Salesforce, a few of
them with the email in different case, and a few HubSpot contacts have no
email at all. Owners (HubSpot) and users (Salesforce) overlap by email too.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

DEMO_CONTACTS = 2000
#: fixed "now" of the demo data, so seeds are identical run to run
DEMO_EPOCH = datetime(2026, 11, 1, tzinfo=UTC)

FIRST_NAMES = [
    "Aino",
    "Ben",
    "Chloe",
    "Daniel",
    "Elif",
    "Farah",
    "Gabriel",
    "Hana",
    "Ilkka",
    "Jonas",
    "Kaisa",
    "Liam",
    "Maya",
    "Noah",
    "Olivia",
    "Pekka",
    "Quentin",
    "Rosa",
    "Sami",
    "Tuuli",
    "Ugo",
    "Venla",
    "William",
    "Ximena",
    "Yusuf",
    "Zoe",
    "Anan",
    "Busaba",
    "Chai",
    "Dao",
    "Emma",
    "Felix",
    "Grace",
    "Henry",
    "Isla",
    "Jack",
    "Karin",
    "Leo",
    "Mila",
    "Nina",
    "Oscar",
    "Priya",
    "Ravi",
    "Sofia",
    "Theo",
]
LAST_NAMES = [
    "Andersson",
    "Bianchi",
    "Chen",
    "Dubois",
    "Eriksson",
    "Fischer",
    "Garcia",
    "Hakala",
    "Ito",
    "Jensen",
    "Korhonen",
    "Lehtonen",
    "Martin",
    "Nguyen",
    "Olsen",
    "Petrov",
    "Quinn",
    "Rossi",
    "Suzuki",
    "Tanaka",
    "Uddin",
    "Virtanen",
    "Wongsakul",
    "Xu",
    "Yilmaz",
    "Zhang",
    "Srisuk",
    "Kovacs",
    "Novak",
    "Murphy",
    "Kelly",
    "Silva",
    "Costa",
    "Moreau",
    "Laine",
    "Nieminen",
    "Brown",
    "Wilson",
]
COMPANIES = [
    "Northwind Traders",
    "Contoso",
    "Fabrikam",
    "Tailspin Toys",
    "Wide World Importers",
    "Litware",
    "Adventure Works",
    "Proseware",
    "Lamna Healthcare",
    "Trey Research",
    "Fourth Coffee",
    "Alpine Ski House",
    "Blue Yonder Airlines",
    "Coho Winery",
    "Humongous Insurance",
    "Margie's Travel",
    "Woodgrove Bank",
    "Graphic Design Institute",
    "Southridge Video",
    "Lucerne Publishing",
]
JOB_TITLES = [
    "CEO",
    "CFO",
    "VP Sales",
    "Sales Manager",
    "Account Executive",
    "Marketing Manager",
    "RevOps Lead",
    "Operations Analyst",
    "CTO",
    "Engineer",
    "Procurement Lead",
    "Office Manager",
]
COUNTRIES = ("Finland", "Thailand", "Germany", "France", "United Kingdom", "United States", "Japan")
LIFECYCLE_STAGES = (
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
)
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")
#: countries HubSpot's demo list "MQLs — EMEA" treats as EMEA
EMEA = ("Finland", "Germany", "France", "United Kingdom")


@dataclass(frozen=True)
class DemoPerson:
    index: int
    firstname: str
    lastname: str
    email: str | None
    company: str
    jobtitle: str
    phone: str
    country: str
    lifecyclestage: str
    created_at: datetime
    owner_index: int
    #: also present in Salesforce: None, "Lead" or "Contact"
    salesforce_as: str | None
    #: the email as Salesforce holds it (sometimes in different case)
    salesforce_email: str | None


@dataclass(frozen=True)
class DemoUser:
    """A sales rep: a HubSpot owner, and (when ``in_salesforce``) a Salesforce user."""

    index: int
    firstname: str
    lastname: str
    email: str
    in_hubspot: bool
    in_salesforce: bool


def demo_users() -> list[DemoUser]:
    """Ten reps: 7 on both sides, 2 HubSpot-only, 1 Salesforce-only."""
    rng = random.Random("users")
    users = []
    for i in range(10):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        users.append(
            DemoUser(
                index=i,
                firstname=first,
                lastname=last,
                email=f"{first}.{last}{i}@syncadmin-demo.com".lower(),
                in_hubspot=i != 9,
                in_salesforce=i not in (7, 8),
            )
        )
    return users


def demo_people(count: int | None = None, *, seed: str = "demo") -> Iterator[DemoPerson]:
    """``count`` people, the same ones every time for the same ``count`` and ``seed``."""
    count = DEMO_CONTACTS if count is None else count
    rng = random.Random(seed)
    for i in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        roll = rng.random()
        email: str | None = f"{first}.{last}.{i}@{rng.choice(EMAIL_DOMAINS)}".lower()
        if roll < 0.01:
            email = None
        salesforce_as = None
        salesforce_email = None
        if email and rng.random() < 0.30:
            salesforce_as = "Lead" if rng.random() < 0.5 else "Contact"
            # some emails differ only in case between the two systems
            salesforce_email = email.title() if rng.random() < 0.1 else email
        yield DemoPerson(
            index=i,
            firstname=first,
            lastname=last,
            email=email,
            company=rng.choice(COMPANIES),
            jobtitle=rng.choice(JOB_TITLES),
            phone=f"+358 40 {rng.randrange(1000000, 9999999)}",
            country=rng.choice(COUNTRIES),
            lifecyclestage=rng.choice(LIFECYCLE_STAGES),
            created_at=DEMO_EPOCH - timedelta(minutes=rng.randrange(0, 60 * 24 * 730)),
            owner_index=rng.randrange(0, 9),
            salesforce_as=salesforce_as,
            salesforce_email=salesforce_email,
        )


def demo_salesforce_only(count: int | None = None) -> Iterator[DemoPerson]:
    """Salesforce leads/contacts with no HubSpot contact (about 10% of ``count``)."""
    count = DEMO_CONTACTS if count is None else count
    for person in demo_people(max(count // 10, 1), seed="salesforce-only"):
        if person.email:
            email = person.email.replace("@", ".sf@")
            yield DemoPerson(
                **{
                    **person.__dict__,
                    "email": None,
                    "salesforce_as": person.salesforce_as or "Lead",
                    "salesforce_email": email,
                }
            )


#: name of the bench seed's active list; it holds 80% of the contacts
BENCH_LIST = "Bench — 80% of contacts"


def bench_people(count: int | None = None) -> Iterator[DemoPerson]:
    """The ``bench`` seed (``bench_sync``): every contact has an email, half of them are
    already Salesforce leads with the same email and values, and 80% are
    ``lifecyclestage=lead`` (the members of ``BENCH_LIST``)."""
    count = DEMO_CONTACTS if count is None else count
    for person in demo_people(count, seed="bench"):
        email = f"bench.{person.index}@example.com"
        yield DemoPerson(
            **{
                **person.__dict__,
                "email": email,
                "lifecyclestage": "subscriber" if person.index % 5 == 4 else "lead",
                "salesforce_as": "Lead" if person.index % 2 == 0 else None,
                "salesforce_email": email if person.index % 2 == 0 else None,
            }
        )
