"""SPEC §3.4 "+ Create inclusion list": a criteria builder that creates an active
(DYNAMIC) HubSpot list through the lists API; the page then waits until HubSpot
has processed it and offers it as the inclusion list."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from core.echo import echo
from core.services.audit import audit_record
from integrations.http import errors
from integrations.hubspot.client import IN_LAST_DAYS, Criterion, filter_branch
from integrations.models import OwnerMapping
from integrations.pages.contacts.services import SettingRefused

#: operators the builder offers per kind of property (HubSpot's list filter guide); the
#: kind is read from the property's type and fieldType (``property_kind``)
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
    "date": (
        ("IS_BEFORE", "is before"),
        ("IS_AFTER", "is after"),
        (IN_LAST_DAYS, "is in the last N days"),
        ("IS_KNOWN", "is known"),
        ("IS_UNKNOWN", "is unknown"),
    ),
}
#: what the Operator menu calls each kind's group
KIND_LABELS = {
    "string": "Text",
    "number": "Number",
    "enumeration": "Choice",
    "bool": "Yes / no",
    "date": "Date",
}
WITHOUT_VALUE = frozenset({"IS_KNOWN", "IS_UNKNOWN"})
#: rows per group and groups the page offers (AND within a group, OR between groups)
ROWS_PER_GROUP = 3
GROUPS = 3
#: the longest list name HubSpot's lists API accepts
LIST_NAME_MAX_LENGTH = 255
#: "in the last N days" goes back at most this far (a century)
LAST_DAYS_MAX = 36_500
#: a number the list filter sends: ASCII digits and a decimal point ("inf", "nan", "1e3"
#: and "١٢" are floats to Python, not numbers to the filter)
NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
#: a calendar day as the builder's date field sends it
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
#: the owner property, whose options HubSpot keeps in the owners API, not on the property
OWNER_PROPERTY = "hubspot_owner_id"


@dataclass(frozen=True)
class Row:
    group: int
    property: str
    operator: str
    value: str


def property_kind(prop: dict[str, Any]) -> str | None:
    """Which operators suit ``prop``: its ``type``, with a single checkbox (fieldType
    booleancheckbox) a yes/no whatever its type; None if the builder cannot filter it."""
    if prop.get("fieldType") == "booleancheckbox" or prop.get("type") == "bool":
        return "bool"
    return {
        "string": "string",
        "phone_number": "string",
        "number": "number",
        "enumeration": "enumeration",
        "date": "date",
        "datetime": "date",
    }.get(prop.get("type", ""))


def _owner_options(hubspot: Any) -> list[dict[str, str]]:
    """HubSpot's owners as choices, by name and email; the owner mirror when the owners
    API cannot be read."""
    try:
        owners = [
            (
                str(o["id"]),
                " ".join(filter(None, [o.get("firstName"), o.get("lastName")])),
                o.get("email") or "",
            )
            for o in hubspot.owners()
        ]
    except errors.ApiError:
        owners = [
            (m.hubspot_owner_id, m.hubspot_name, m.hubspot_email)
            for m in OwnerMapping.objects.order_by("hubspot_name", "hubspot_email")
        ]
    return [
        {"value": oid, "label": f"{name} ({email})" if name and email else name or email or oid}
        for oid, name, email in owners
    ]


def builder_properties(*, hubspot: Any) -> dict[str, dict[str, Any]]:
    """Contact properties the builder can filter on, by name, each with its ``kind`` and,
    for choices, its ``options`` (value and label; the owner's from the owners API)."""
    found = {}
    for prop in hubspot.properties("contacts"):
        kind = property_kind(prop)
        if kind is None or prop.get("hidden"):
            continue
        prop = {**prop, "kind": kind}
        if prop["name"] == OWNER_PROPERTY:
            prop["options"] = _owner_options(hubspot)
        prop["options"] = [o for o in prop.get("options") or [] if not o.get("hidden")]
        found[prop["name"]] = prop
    return found


def builder_choices(properties: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """What the page's script needs to offer each property's operators and options."""
    return {
        name: {
            "kind": prop["kind"],
            "options": [[o["value"], o.get("label") or o["value"]] for o in prop["options"]],
        }
        for name, prop in properties.items()
    }


def rows_from_post(post: Any) -> list[Row]:
    """The filled rows of the builder form (``g{group}r{row}-property|operator|value``);
    a choice row may send several values (a multiple select), kept comma-separated."""
    rows = []
    for group in range(GROUPS):
        for row in range(ROWS_PER_GROUP):
            prefix = f"g{group}r{row}-"
            prop = (post.get(prefix + "property") or "").strip()
            if prop:
                values = [v.strip() for v in post.getlist(prefix + "value") if v.strip()]
                rows.append(
                    Row(
                        group=group,
                        property=prop,
                        operator=(post.get(prefix + "operator") or "").strip(),
                        value=", ".join(values),
                    )
                )
    return rows


def _choice_values(row: Row, prop: dict[str, Any], label: str) -> list[str]:
    """The option values a choice row names, by value or by label (any case)."""
    by_key: dict[str, str] = {}
    for option in prop["options"]:
        by_key[str(option["value"]).lower()] = option["value"]
        by_key.setdefault(str(option.get("label") or "").lower(), option["value"])
    typed = [v.strip() for v in row.value.split(",") if v.strip()]
    if not prop["options"]:
        return typed
    unknown = [v for v in typed if v.lower() not in by_key]
    if unknown:
        names = ", ".join(o.get("label") or o["value"] for o in prop["options"])
        raise SettingRefused(
            f"{label} has no option {echo(', '.join(unknown))} (options: {echo(names, limit=300)})."
        )
    return list(dict.fromkeys(by_key[v.lower()] for v in typed))


def _day(row: Row, label: str) -> date:
    try:
        if DAY.fullmatch(row.value):
            return date.fromisoformat(row.value)
    except ValueError:
        pass
    raise SettingRefused(
        f"{label} takes a date such as 2026-03-31: “{echo(row.value)}” is not one."
    )


def _criterion(row: Row, properties: dict[str, dict[str, Any]], zone: str) -> Criterion:
    prop = properties.get(row.property)
    if prop is None:
        raise SettingRefused(
            f"HubSpot has no contact property “{echo(row.property)}” to filter on."
        )
    kind = prop["kind"]
    allowed = dict(OPERATORS[kind])
    label = prop.get("label") or row.property
    if row.operator not in allowed:
        raise SettingRefused(
            f"“{echo(row.operator or '(none)')}” is not an operator for {label} "
            f"(choose one of: {', '.join(allowed.values())})."
        )
    if row.operator in WITHOUT_VALUE:
        return Criterion(row.property, prop["type"], row.operator)
    if not row.value:
        raise SettingRefused(f"Enter a value for {label}.")
    value: Any = row.value
    if kind == "enumeration":
        value = _choice_values(row, prop, label)
    elif kind == "bool":
        value = {"true": True, "yes": True, "false": False, "no": False}.get(row.value.lower())
        if value is None:
            raise SettingRefused(f"{label} is yes or no: “{echo(row.value)}” is neither.")
        return Criterion(row.property, "bool", row.operator, value)
    elif kind == "number" and not (NUMBER.fullmatch(row.value) and math.isfinite(float(row.value))):
        raise SettingRefused(f"{label} is a number: “{echo(row.value)}” is not one.")
    elif kind == "date" and row.operator == IN_LAST_DAYS:
        if not (row.value.isascii() and row.value.isdecimal()) or not (
            1 <= int(row.value) <= LAST_DAYS_MAX
        ):
            raise SettingRefused(
                f"“In the last N days” takes a whole number of days from 1 to {LAST_DAYS_MAX:,}: "
                f"“{echo(row.value)}” is not one."
            )
        value = int(row.value)
    elif kind == "date":
        value = _day(row, label)
    return Criterion(row.property, prop["type"], row.operator, value, zone=zone)


def inclusion_list_create(
    *,
    actor: AbstractBaseUser | None,
    hubspot: Any,
    name: str,
    rows: Sequence[Row],
    zone: str = "UTC",
) -> dict[str, Any]:
    """Create the active list in HubSpot; nothing is selected or synced by it. Date
    conditions count calendar days in ``zone`` (the admin's time zone)."""
    name = name.strip()
    if not name:
        raise SettingRefused("Give the list a name.")
    if len(name) > LIST_NAME_MAX_LENGTH:
        raise SettingRefused(
            f"HubSpot takes list names of at most {LIST_NAME_MAX_LENGTH} characters; this one "
            f"has {len(name):,}. Shorten it: nothing was created."
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
        groups.setdefault(row.group, []).append(_criterion(row, properties, zone))
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
            + " AND ".join(
                f"{c.property} {c.operator} {'' if c.value is None else c.value}".strip() for c in g
            )
            + ")"
            for g in groups.values()
        ),
    )
    return created


def list_member_count(found: dict[str, Any]) -> int | None:
    """A list's member count: ``size`` on a list read, ``hs_list_size`` in a list search."""
    size = found.get("size")
    if size is None:
        size = (found.get("additionalProperties") or {}).get("hs_list_size")
    try:
        return int(size)
    except (TypeError, ValueError):
        return None
