"""SPEC §3 rules for a whole linked pair (``decide_record``): the most recent change
wins a two-way conflict, the last-synced values say which side changed, blanks and
``None`` are never written as text, and every audited change says what it did."""

from datetime import UTC, datetime, timedelta

import pytest

from integrations.models import PropertyMapping
from integrations.rules.mapping_rules import (
    DEFAULT_MAPPINGS,
    TO_HUBSPOT,
    TO_SALESFORCE,
    decide_field,
    decide_record,
)

Rule = PropertyMapping.Rule
EARLY = datetime(2026, 11, 20, 9, tzinfo=UTC)
LATE = EARLY + timedelta(hours=1)


def mapping(hubspot_property: str, salesforce_field: str, rule: str) -> PropertyMapping:
    return PropertyMapping(
        hubspot_property=hubspot_property, salesforce_field=salesforce_field, rule=rule
    )


PHONE = mapping("phone", "Phone", Rule.TWO_WAY)
TITLE = mapping("jobtitle", "Title", Rule.TWO_WAY)
COMPANY = mapping("company", "Company", Rule.PREFER_SALESFORCE)


def writes(decisions) -> list[tuple[str, str, str, str]]:
    """(direction, the field written, before, after) for each decision."""
    return [(d.direction, d.audit_change()["field"], d.before, d.after) for d in decisions]


def record(
    hubspot: dict,
    salesforce: dict,
    *,
    last_hubspot: dict | None = None,
    last_salesforce: dict | None = None,
    hubspot_modified: datetime | None = EARLY,
    salesforce_modified: datetime | None = EARLY,
    mappings=(PHONE,),
):
    return decide_record(
        mappings,
        hubspot_values=hubspot,
        salesforce_values=salesforce,
        last_hubspot=last_hubspot,
        last_salesforce=last_salesforce,
        hubspot_modified=hubspot_modified,
        salesforce_modified=salesforce_modified,
    )


SYNCED = {"last_hubspot": {"phone": "111"}, "last_salesforce": {"Phone": "111"}}


# --- two-way conflicts: both sides changed since the last sync -------------------------


def test_a_two_way_conflict_is_won_by_hubspot_when_its_record_changed_last() -> None:
    decisions = record(
        {"phone": "222"},
        {"Phone": "333"},
        hubspot_modified=LATE,
        salesforce_modified=EARLY,
        **SYNCED,
    )
    assert writes(decisions) == [(TO_SALESFORCE, "Phone", "333", "222")]


def test_a_two_way_conflict_is_won_by_salesforce_when_its_record_changed_last() -> None:
    decisions = record(
        {"phone": "222"},
        {"Phone": "333"},
        hubspot_modified=EARLY,
        salesforce_modified=LATE,
        **SYNCED,
    )
    assert writes(decisions) == [(TO_HUBSPOT, "phone", "222", "333")]


def test_a_two_way_conflict_at_the_same_moment_goes_to_salesforce() -> None:
    decisions = record(
        {"phone": "222"},
        {"Phone": "333"},
        hubspot_modified=LATE,
        salesforce_modified=LATE,
        **SYNCED,
    )
    assert writes(decisions) == [(TO_HUBSPOT, "phone", "222", "333")]


def test_a_two_way_conflict_with_no_salesforce_time_goes_to_hubspot() -> None:
    decisions = record(
        {"phone": "222"},
        {"Phone": "333"},
        hubspot_modified=EARLY,
        salesforce_modified=None,
        **SYNCED,
    )
    assert writes(decisions) == [(TO_SALESFORCE, "Phone", "333", "222")]


@pytest.mark.parametrize("salesforce_modified", [None, EARLY])
def test_a_two_way_conflict_with_no_hubspot_time_goes_to_salesforce(salesforce_modified) -> None:
    decisions = record(
        {"phone": "222"},
        {"Phone": "333"},
        hubspot_modified=None,
        salesforce_modified=salesforce_modified,
        **SYNCED,
    )
    assert writes(decisions) == [(TO_HUBSPOT, "phone", "222", "333")]


# --- the last-synced snapshot says which side changed -----------------------------------


def test_an_edit_made_only_in_hubspot_survives_a_salesforce_record_touched_later() -> None:
    # Salesforce's record changed later, for another field: its phone is still the synced one
    decisions = record(
        {"phone": "222", "jobtitle": "CEO"},
        {"Phone": "111", "Title": "CTO"},
        last_hubspot={"phone": "111", "jobtitle": "CEO"},
        last_salesforce={"Phone": "111", "Title": "CEO"},
        hubspot_modified=EARLY,
        salesforce_modified=LATE,
        mappings=(PHONE, TITLE),
    )
    assert writes(decisions) == [
        (TO_SALESFORCE, "Phone", "111", "222"),
        (TO_HUBSPOT, "jobtitle", "CEO", "CTO"),
    ]


def test_an_edit_made_only_in_salesforce_survives_a_hubspot_record_touched_later() -> None:
    decisions = record(
        {"phone": "111", "jobtitle": "CTO"},
        {"Phone": "333", "Title": "CEO"},
        last_hubspot={"phone": "111", "jobtitle": "CEO"},
        last_salesforce={"Phone": "111", "Title": "CEO"},
        hubspot_modified=LATE,
        salesforce_modified=EARLY,
        mappings=(PHONE, TITLE),
    )
    assert writes(decisions) == [
        (TO_HUBSPOT, "phone", "111", "333"),
        (TO_SALESFORCE, "Title", "CEO", "CTO"),
    ]


def test_a_field_missing_from_the_snapshot_was_blank_when_synced() -> None:
    # synced while both were blank (not stored); now only HubSpot has a phone
    decisions = record(
        {"phone": "222"},
        {"Phone": ""},
        last_hubspot={},
        last_salesforce={},
        hubspot_modified=EARLY,
        salesforce_modified=LATE,
    )
    assert writes(decisions) == [(TO_SALESFORCE, "Phone", "", "222")]
    decisions = record(
        {"phone": ""},
        {"Phone": "333"},
        last_hubspot={},
        last_salesforce={},
        hubspot_modified=LATE,
        salesforce_modified=EARLY,
    )
    assert writes(decisions) == [(TO_HUBSPOT, "phone", "", "333")]


def test_values_both_sides_still_hold_from_the_last_sync_write_nothing() -> None:
    assert record({"phone": "111"}, {"Phone": "111"}, **SYNCED) == []


# --- never synced -------------------------------------------------------------------------


def test_a_never_synced_pair_with_both_values_set_goes_to_the_most_recent_record() -> None:
    assert writes(
        record({"phone": "222"}, {"Phone": "333"}, hubspot_modified=LATE, salesforce_modified=EARLY)
    ) == [(TO_SALESFORCE, "Phone", "333", "222")]
    assert writes(
        record({"phone": "222"}, {"Phone": "333"}, hubspot_modified=EARLY, salesforce_modified=LATE)
    ) == [(TO_HUBSPOT, "phone", "222", "333")]


def test_a_never_synced_pair_fills_the_blank_side_whichever_changed_last() -> None:
    assert writes(
        record({"phone": ""}, {"Phone": "333"}, hubspot_modified=LATE, salesforce_modified=EARLY)
    ) == [(TO_HUBSPOT, "phone", "", "333")]
    assert writes(
        record({"phone": "222"}, {"Phone": ""}, hubspot_modified=EARLY, salesforce_modified=LATE)
    ) == [(TO_SALESFORCE, "Phone", "", "222")]


# --- a field cleared after a sync -----------------------------------------------------


def test_a_field_cleared_in_hubspot_after_a_sync_is_cleared_in_salesforce() -> None:
    decisions = record(
        {"phone": ""}, {"Phone": "111"}, hubspot_modified=EARLY, salesforce_modified=LATE, **SYNCED
    )
    assert writes(decisions) == [(TO_SALESFORCE, "Phone", "111", "")]


def test_a_field_cleared_in_salesforce_after_a_sync_is_cleared_in_hubspot() -> None:
    decisions = record(
        {"phone": "111"}, {"Phone": ""}, hubspot_modified=LATE, salesforce_modified=EARLY, **SYNCED
    )
    assert writes(decisions) == [(TO_HUBSPOT, "phone", "111", "")]


# --- None is blank, never the text "None" ------------------------------------------------


def test_none_values_are_blank_and_never_written_as_text() -> None:
    assert writes(record({"phone": None}, {"Phone": "333"})) == [(TO_HUBSPOT, "phone", "", "333")]
    assert writes(record({"phone": "222"}, {"Phone": None})) == [
        (TO_SALESFORCE, "Phone", "", "222")
    ]
    assert writes(record({}, {"Phone": "333"})) == [(TO_HUBSPOT, "phone", "", "333")]
    assert record({"phone": None}, {"Phone": ""}) == []
    assert record({"phone": None}, {}) == []
    cleared = record(
        {"phone": "111"},
        {"Phone": None},
        hubspot_modified=LATE,
        salesforce_modified=EARLY,
        last_hubspot={"phone": "111"},
        last_salesforce={"Phone": "111"},
    )
    assert writes(cleared) == [(TO_HUBSPOT, "phone", "111", "")]


def test_numbers_are_compared_and_written_as_their_text() -> None:
    assert record({"phone": "5"}, {"Phone": 5}) == []
    assert writes(record({"phone": ""}, {"Phone": 5})) == [(TO_HUBSPOT, "phone", "", "5")]


def test_a_blank_of_spaces_is_blank_for_prefer_salesforce() -> None:
    [filled] = record({"company": "Acme"}, {"Company": "  "}, mappings=(COMPANY,))
    assert (filled.direction, filled.before, filled.after) == (TO_SALESFORCE, "  ", "Acme")
    [kept] = record({"company": "Acme"}, {"Company": " Beta"}, mappings=(COMPANY,))
    assert (kept.direction, kept.before, kept.after) == (TO_HUBSPOT, "Acme", " Beta")


# --- every rule in one record, and each audited change in full ----------------------------


def test_each_field_of_a_record_follows_its_own_rule_and_is_audited_in_full() -> None:
    mappings = (
        mapping("phone", "Phone", Rule.TWO_WAY),
        mapping("company", "Company", Rule.PREFER_SALESFORCE),
        mapping("country", "Country", Rule.ALWAYS_SALESFORCE),
        mapping("city", "City", Rule.DONT_SYNC),
        mapping("email", "Email", Rule.TWO_WAY),
    )
    decisions = record(
        {
            "phone": "222",
            "company": "Acme",
            "country": "Finland",
            "city": "Oulu",
            "email": "a@example.com",
        },
        {
            "Phone": "111",
            "Company": "",
            "Country": "",
            "City": "Espoo",
            "Email": "a@example.com",
        },
        last_hubspot={"phone": "111", "company": "", "country": "Finland", "city": "Oulu"},
        last_salesforce={"Phone": "111", "Company": "", "Country": "Finland", "City": "Oulu"},
        hubspot_modified=EARLY,
        salesforce_modified=LATE,
        mappings=mappings,
    )
    assert [d.audit_change() for d in decisions] == [
        {
            "field": "Phone",
            "before": "111",
            "after": "222",
            "rule": "Two-way (most recent change wins)",
            "direction": "hs_to_sf",
        },
        {
            "field": "Company",
            "before": "",
            "after": "Acme",
            "rule": "Prefer Salesforce unless blank",
            "direction": "hs_to_sf",
        },
        {
            "field": "country",
            "before": "Finland",
            "after": "",
            "rule": "Always use Salesforce",
            "direction": "sf_to_hs",
        },
    ]
    assert [(d.hubspot_property, d.salesforce_field, d.rule) for d in decisions] == [
        ("phone", "Phone", Rule.TWO_WAY),
        ("company", "Company", Rule.PREFER_SALESFORCE),
        ("country", "Country", Rule.ALWAYS_SALESFORCE),
    ]


def test_the_directions_are_the_audit_trails_words() -> None:
    assert (TO_SALESFORCE, TO_HUBSPOT) == ("hs_to_sf", "sf_to_hs")


# --- decide_field on its own (Reconcile calls it with one side's snapshot) -------------


def test_a_side_with_no_snapshot_counts_as_changed() -> None:
    def decide(hs, sf, last_hs, last_sf, hubspot_newer):
        return decide_field(
            PHONE,
            hubspot_value=hs,
            salesforce_value=sf,
            last_hubspot=last_hs,
            last_salesforce=last_sf,
            hubspot_newer=hubspot_newer,
        )

    # HubSpot has no snapshot (changed), Salesforce still holds its synced value
    assert decide("", "111", None, "111", False).direction == TO_SALESFORCE
    assert decide("111", "", "111", None, True).direction == TO_HUBSPOT


# --- the defaults a first setup installs -----------------------------------------------

#: who is written when only HubSpot changed / Salesforce was cleared / only Salesforce changed
TWO_WAY_WRITES = (TO_SALESFORCE, TO_HUBSPOT, TO_HUBSPOT)
PREFER_SALESFORCE_WRITES = (TO_HUBSPOT, TO_SALESFORCE, TO_HUBSPOT)

#: HubSpot property, Salesforce field, rule, the direction of its writes (as above)
DEFAULTS = [
    ("email", "Email", Rule.TWO_WAY, TWO_WAY_WRITES),
    ("firstname", "FirstName", Rule.TWO_WAY, TWO_WAY_WRITES),
    ("lastname", "LastName", Rule.TWO_WAY, TWO_WAY_WRITES),
    ("company", "Company", Rule.PREFER_SALESFORCE, PREFER_SALESFORCE_WRITES),
    ("phone", "Phone", Rule.TWO_WAY, TWO_WAY_WRITES),
    ("jobtitle", "Title", Rule.TWO_WAY, TWO_WAY_WRITES),
    ("country", "Country", Rule.PREFER_SALESFORCE, PREFER_SALESFORCE_WRITES),
]


def directions(default: PropertyMapping) -> tuple[str, str, str]:
    def one(hs: str, sf: str, hubspot_newer: bool) -> str:
        decision = decide_field(
            default,
            hubspot_value=hs,
            salesforce_value=sf,
            last_hubspot="old",
            last_salesforce="old",
            hubspot_newer=hubspot_newer,
        )
        assert decision is not None
        return decision.direction

    # the record changed last is the other side's, so only "who changed" decides two-way
    return (one("new", "old", False), one("old", "", True), one("old", "new", True))


def test_the_default_mappings_are_pinned() -> None:
    assert list(DEFAULT_MAPPINGS) == [row[:3] for row in DEFAULTS]


@pytest.mark.parametrize(("hubspot_property", "salesforce_field", "rule", "written"), DEFAULTS)
def test_each_default_mapping_writes_the_way_its_rule_says(
    hubspot_property: str, salesforce_field: str, rule: str, written: tuple[str, str, str]
) -> None:
    [default] = [row for row in DEFAULT_MAPPINGS if row[0] == hubspot_property]
    assert default == (hubspot_property, salesforce_field, rule)
    assert directions(mapping(*default)) == written


@pytest.mark.django_db
def test_a_first_setup_installs_the_defaults_in_order() -> None:
    installed = [
        (m.hubspot_property, m.salesforce_field, m.rule, m.get_rule_display())
        for m in PropertyMapping.objects.order_by("position")
    ]
    assert installed == [
        (hs, sf, rule, PropertyMapping.Rule(rule).label) for hs, sf, rule, _ in DEFAULTS
    ]
    assert [m.position for m in PropertyMapping.objects.order_by("position")] == list(
        range(len(DEFAULTS))
    )
