"""Property mapping sync rules (SPEC §3): which side's value wins, field by field.

- *Prefer Salesforce unless blank*: HubSpot takes Salesforce's value unless it is
  blank; a blank Salesforce field is filled from HubSpot.
- *Always use Salesforce*: HubSpot always takes Salesforce's value, blank included;
  nothing is written to Salesforce.
- *Two-way*: the side that changed since the last sync wins; when both changed
  (or the records were never synced), the more recently modified record wins.
- *Don't sync*: nothing either way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from integrations.models.contacts import PropertyMapping

Rule = PropertyMapping.Rule

#: sensible defaults on first setup: HubSpot property, Salesforce field, rule
DEFAULT_MAPPINGS: tuple[tuple[str, str, str], ...] = (
    ("email", "Email", Rule.TWO_WAY),
    ("firstname", "FirstName", Rule.TWO_WAY),
    ("lastname", "LastName", Rule.TWO_WAY),
    ("company", "Company", Rule.PREFER_SALESFORCE),
    ("phone", "Phone", Rule.TWO_WAY),
    ("jobtitle", "Title", Rule.TWO_WAY),
    ("country", "Country", Rule.PREFER_SALESFORCE),
)
TO_SALESFORCE = "hs_to_sf"
TO_HUBSPOT = "sf_to_hs"


@dataclass(frozen=True)
class FieldDecision:
    hubspot_property: str
    salesforce_field: str
    rule: str
    direction: str  # TO_SALESFORCE or TO_HUBSPOT
    before: str
    after: str

    def audit_change(self) -> dict[str, str]:
        field = self.salesforce_field if self.direction == TO_SALESFORCE else self.hubspot_property
        return {
            "field": field,
            "before": self.before,
            "after": self.after,
            "rule": PropertyMapping.Rule(self.rule).label,
            "direction": self.direction,
        }


def _blank(value: str | None) -> bool:
    return value is None or str(value).strip() == ""


def _text(value: object) -> str:
    return "" if value is None else str(value)


def decide_field(
    mapping: PropertyMapping,
    *,
    hubspot_value: object,
    salesforce_value: object,
    last_hubspot: object | None,
    last_salesforce: object | None,
    hubspot_newer: bool,
) -> FieldDecision | None:
    """What to write for one mapped field, or None when both sides already agree."""
    hs, sf = _text(hubspot_value), _text(salesforce_value)
    if hs == sf or mapping.rule == Rule.DONT_SYNC:
        return None

    def to_hubspot() -> FieldDecision:
        return FieldDecision(
            mapping.hubspot_property, mapping.salesforce_field, mapping.rule, TO_HUBSPOT, hs, sf
        )

    def to_salesforce() -> FieldDecision:
        return FieldDecision(
            mapping.hubspot_property, mapping.salesforce_field, mapping.rule, TO_SALESFORCE, sf, hs
        )

    if mapping.rule == Rule.ALWAYS_SALESFORCE:
        return to_hubspot()
    if mapping.rule == Rule.PREFER_SALESFORCE:
        return to_salesforce() if _blank(sf) else to_hubspot()
    # two-way
    if _blank(hs) != _blank(sf) and last_hubspot is None and last_salesforce is None:
        return to_hubspot() if _blank(hs) else to_salesforce()
    hubspot_changed = last_hubspot is None or hs != _text(last_hubspot)
    salesforce_changed = last_salesforce is None or sf != _text(last_salesforce)
    if hubspot_changed and not salesforce_changed:
        return to_salesforce()
    if salesforce_changed and not hubspot_changed:
        return to_hubspot()
    return to_salesforce() if hubspot_newer else to_hubspot()


def decide_record(
    mappings: Iterable[PropertyMapping],
    *,
    hubspot_values: Mapping[str, object],
    salesforce_values: Mapping[str, object],
    last_hubspot: Mapping[str, object] | None,
    last_salesforce: Mapping[str, object] | None,
    hubspot_modified: datetime | None,
    salesforce_modified: datetime | None,
) -> list[FieldDecision]:
    """Every field write for one linked pair, both directions.

    ``mappings`` are those whose Salesforce field exists on the record's object
    (a Contact has no ``Company``, a Lead no ``AccountId``).
    """
    hubspot_newer = bool(
        hubspot_modified and (salesforce_modified is None or hubspot_modified > salesforce_modified)
    )
    decisions = []
    for mapping in mappings:
        decision = decide_field(
            mapping,
            hubspot_value=hubspot_values.get(mapping.hubspot_property),
            salesforce_value=salesforce_values.get(mapping.salesforce_field),
            # a field missing from the last-synced values was blank then
            last_hubspot=None
            if last_hubspot is None
            else last_hubspot.get(mapping.hubspot_property, ""),
            last_salesforce=None
            if last_salesforce is None
            else last_salesforce.get(mapping.salesforce_field, ""),
            hubspot_newer=hubspot_newer,
        )
        if decision is not None:
            decisions.append(decision)
    return decisions
