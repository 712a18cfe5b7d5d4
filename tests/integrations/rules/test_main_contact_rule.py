"""SPEC §4b, the main contact of an activity on several contacts (``multi_contact.py``):
the most recently created (by day) synced contact; on the same day, the highest HubSpot
id; when no creation date is known, the highest HubSpot id."""

from datetime import UTC, datetime, timedelta

from integrations.models import ContactLink
from integrations.rules.multi_contact import activity_contact

DAY = datetime(2026, 11, 23, tzinfo=UTC)


def link(hubspot_id: str, created: datetime | None) -> ContactLink:
    return ContactLink(hubspot_id=hubspot_id, hubspot_created_at=created)


def chosen(*links: ContactLink) -> str | None:
    found = activity_contact(iter(links))  # any iterable, read once
    return found.hubspot_id if found else None


def test_the_most_recently_created_day_wins_over_a_higher_id() -> None:
    assert chosen(link("9", DAY - timedelta(days=1)), link("5", DAY)) == "5"
    assert chosen(link("5", DAY), link("9", DAY - timedelta(days=1))) == "5"


def test_a_minute_past_midnight_is_a_newer_day_than_a_minute_before() -> None:
    late = link("900", DAY - timedelta(minutes=1))
    early = link("8", DAY + timedelta(minutes=1))
    assert chosen(late, early) == "8"


def test_on_the_same_day_the_highest_hubspot_id_wins_whatever_the_hour() -> None:
    assert chosen(link("7", DAY.replace(hour=23)), link("12", DAY.replace(hour=0))) == "12"
    assert chosen(link("12", DAY.replace(hour=0)), link("7", DAY.replace(hour=23))) == "12"


def test_ids_compare_as_numbers_not_text() -> None:
    assert chosen(link("9", DAY), link("10", DAY)) == "10"
    assert chosen(link("9", None), link("10", None)) == "10"


def test_without_any_creation_date_the_highest_hubspot_id_wins() -> None:
    assert chosen(link("3", None), link("41", None), link("7", None)) == "41"


def test_a_contact_with_a_known_creation_date_wins_over_those_without() -> None:
    assert chosen(link("3", DAY - timedelta(days=30)), link("99", None)) == "3"
    assert chosen(link("99", None), link("3", DAY - timedelta(days=30))) == "3"


def test_one_contact_is_its_own_choice_and_none_is_no_choice() -> None:
    only = link("4", None)
    assert activity_contact([only]) is only
    assert activity_contact(iter([])) is None
    assert activity_contact([]) is None
