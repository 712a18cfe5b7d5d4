"""SPEC §3.4 "+ Create inclusion list": a criteria builder that creates an active
(DYNAMIC) HubSpot list through the lists API; the page then waits until HubSpot
has processed it and offers it as the inclusion list."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from core.services.audit import audit_record
from integrations import errors
from integrations.hubspot.client import Criterion, filter_branch
from integrations.sync.contact_settings import SettingRefused

#: operators the builder offers per HubSpot property type (HubSpot's list filter guide)
OPERATORS: dict[str, tuple[tuple[str, str], ...]] = {
    "string": (
        ("IS_EQUAL_TO", "is"),
        ("IS_NOT_EQUAL_TO", "is not"),
        ("CONTAINS", "contains"),
        ("DOES_NOT_CONTAIN", "does not contain"),
        ("STARTS_WITH", "starts with"),
        ("ENDS_WITH", "ends with"),
        ("IS_KNOWN", "is known"),
        ("IS_UNKNOWN", "is unknown"),
    ),
    "number": (
        ("IS_EQUAL_TO", "="),
        ("IS_GREATER_THAN", ">"),
        ("IS_GREATER_THAN_OR_EQUAL_TO", "≥"),
        ("IS_LESS_THAN", "<"),
        ("IS_LESS_THAN_OR_EQUAL_TO", "≤"),
        ("IS_KNOWN", "is known"),
        ("IS_UNKNOWN", "is unknown"),
    ),
    "enumeration": (
        ("IS_ANY_OF", "is any of"),
        ("IS_NONE_OF", "is none of"),
        ("IS_KNOWN", "is known"),
        ("IS_UNKNOWN", "is unknown"),
    ),
    "bool": (("IS_EQUAL_TO", "is"),),
}
OPERATORS["phone_number"] = OPERATORS["string"]
WITHOUT_VALUE = frozenset({"IS_KNOWN", "IS_UNKNOWN"})
#: rows per group and groups the page offers (AND within a group, OR between groups)
ROWS_PER_GROUP = 3
GROUPS = 3
#: the longest list name HubSpot's lists API accepts
LIST_NAME_MAX_LENGTH = 255
#: a number the list filter sends: ASCII digits and a decimal point ("inf", "nan", "1e3"
#: and "١٢" are floats to Python, not numbers to the filter)
NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


@dataclass(frozen=True)
class Row:
    group: int
    property: str
    operator: str
    value: str


def builder_properties(*, hubspot: Any) -> dict[str, dict[str, Any]]:
    """Contact properties the builder can filter on, by name."""
    return {
        prop["name"]: prop
        for prop in hubspot.properties("contacts")
        if prop.get("type") in OPERATORS and not prop.get("hidden")
    }


def rows_from_post(post: Any) -> list[Row]:
    """The filled rows of the builder form (``g{group}r{row}-property|operator|value``)."""
    rows = []
    for group in range(GROUPS):
        for row in range(ROWS_PER_GROUP):
            prefix = f"g{group}r{row}-"
            prop = (post.get(prefix + "property") or "").strip()
            if prop:
                rows.append(
                    Row(
                        group=group,
                        property=prop,
                        operator=(post.get(prefix + "operator") or "").strip(),
                        value=(post.get(prefix + "value") or "").strip(),
                    )
                )
    return rows


def _criterion(row: Row, properties: dict[str, dict[str, Any]]) -> Criterion:
    prop = properties.get(row.property)
    if prop is None:
        raise SettingRefused(f"HubSpot has no contact property “{row.property}” to filter on.")
    allowed = dict(OPERATORS[prop["type"]])
    label = prop.get("label", row.property)
    if row.operator not in allowed:
        raise SettingRefused(
            f"“{row.operator or '(none)'}” is not an operator for {label} "
            f"(choose one of: {', '.join(allowed.values())})."
        )
    if row.operator in WITHOUT_VALUE:
        return Criterion(row.property, prop["type"], row.operator)
    if not row.value:
        raise SettingRefused(f"Enter a value for {prop.get('label', row.property)}.")
    value: Any = row.value
    if prop["type"] == "enumeration":
        value = [v.strip() for v in row.value.split(",") if v.strip()]
        known = {option["value"] for option in prop.get("options", [])}
        unknown = [v for v in value if known and v not in known]
        if unknown:
            raise SettingRefused(
                f"{prop.get('label', row.property)} has no option {', '.join(unknown)} "
                f"(options: {', '.join(sorted(known))})."
            )
    elif prop["type"] == "number" and not (
        NUMBER.fullmatch(row.value) and math.isfinite(float(row.value))
    ):
        raise SettingRefused(
            f"{prop.get('label', row.property)} is a number: “{row.value[:60]}” is not one."
        )
    return Criterion(row.property, prop["type"], row.operator, value)


def inclusion_list_create(
    *, actor: AbstractBaseUser | None, hubspot: Any, name: str, rows: Sequence[Row]
) -> dict[str, Any]:
    """Create the active list in HubSpot; nothing is selected or synced by it."""
    name = name.strip()
    if not name:
        raise SettingRefused("Give the list a name.")
    if len(name) > LIST_NAME_MAX_LENGTH:
        raise SettingRefused(
            f"A list name has at most {LIST_NAME_MAX_LENGTH} characters; this one has {len(name)}."
        )
    if "\x00" in name:
        raise SettingRefused("The list name contains a NUL character: type it again.")
    if not rows:
        raise SettingRefused("Add at least one condition.")
    if any("\x00" in f"{row.property}{row.operator}{row.value}" for row in rows):
        raise SettingRefused("A condition contains a NUL character: type it again.")
    properties = builder_properties(hubspot=hubspot)
    groups: dict[int, list[Criterion]] = {}
    for row in rows:
        groups.setdefault(row.group, []).append(_criterion(row, properties))
    try:
        created = hubspot.list_create(name, filter_branch(list(groups.values())))
    except errors.ApiError as exc:
        raise SettingRefused(f"HubSpot did not create the list: {exc.message}") from exc
    audit_record(
        action="list.created",
        object_type="list",
        object_label=name,
        actor=actor,
        hubspot_id=str(created.get("listId", "")),
        message=f"Active list “{name}” created in HubSpot with the criteria builder: "
        + " OR ".join(
            "("
            + " AND ".join(f"{c.property} {c.operator} {c.value or ''}".strip() for c in g)
            + ")"
            for g in groups.values()
        ),
    )
    return created
