"""The four sync rules, field by field."""

import pytest

from integrations.models import PropertyMapping
from integrations.rules.mapping_rules import TO_HUBSPOT, TO_SALESFORCE, decide_field

Rule = PropertyMapping.Rule


def decide(rule, hs, sf, last_hs=None, last_sf=None, hubspot_newer=False):
    mapping = PropertyMapping(hubspot_property="phone", salesforce_field="Phone", rule=rule)
    return decide_field(
        mapping,
        hubspot_value=hs,
        salesforce_value=sf,
        last_hubspot=last_hs,
        last_salesforce=last_sf,
        hubspot_newer=hubspot_newer,
    )


@pytest.mark.parametrize("rule", list(Rule))
def test_equal_values_need_no_write(rule) -> None:
    assert decide(rule, "1", "1") is None


def test_dont_sync_never_writes() -> None:
    assert decide(Rule.DONT_SYNC, "1", "2") is None


def test_always_salesforce_overwrites_hubspot_even_with_blank() -> None:
    assert decide(Rule.ALWAYS_SALESFORCE, "1", "2").direction == TO_HUBSPOT
    blank = decide(Rule.ALWAYS_SALESFORCE, "1", "")
    assert (blank.direction, blank.after) == (TO_HUBSPOT, "")


def test_prefer_salesforce_unless_blank() -> None:
    assert decide(Rule.PREFER_SALESFORCE, "1", "2").direction == TO_HUBSPOT
    filled = decide(Rule.PREFER_SALESFORCE, "1", "")
    assert (filled.direction, filled.after) == (TO_SALESFORCE, "1")


def test_two_way_follows_the_side_that_changed_since_last_sync() -> None:
    changed_in_hubspot = decide(Rule.TWO_WAY, "new", "old", last_hs="old", last_sf="old")
    assert (changed_in_hubspot.direction, changed_in_hubspot.after) == (TO_SALESFORCE, "new")
    changed_in_salesforce = decide(Rule.TWO_WAY, "old", "new", last_hs="old", last_sf="old")
    assert (changed_in_salesforce.direction, changed_in_salesforce.after) == (TO_HUBSPOT, "new")


def test_two_way_conflict_goes_to_the_most_recent_change() -> None:
    both = {"last_hs": "a", "last_sf": "a"}
    assert decide(Rule.TWO_WAY, "h", "s", hubspot_newer=True, **both).direction == TO_SALESFORCE
    assert decide(Rule.TWO_WAY, "h", "s", hubspot_newer=False, **both).direction == TO_HUBSPOT


def test_two_way_first_sync_fills_the_blank_side() -> None:
    assert decide(Rule.TWO_WAY, "", "s", hubspot_newer=True).direction == TO_HUBSPOT
    assert decide(Rule.TWO_WAY, "h", "", hubspot_newer=False).direction == TO_SALESFORCE
