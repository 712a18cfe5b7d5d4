"""Lists v3 ``filterBranch``: validation and evaluation against one contact.

Reference: HubSpot's "List (segment) filters" guide (crm-lists-v3). The root
is an OR branch with no filters of its own whose ``filterBranches`` are AND
branches holding PROPERTY filters. ``operationType`` must suit the property's
type; ``IS_KNOWN``/``IS_UNKNOWN`` use ``ALL_PROPERTY``. Dates are filtered with
``TIME_POINT`` (IS_BEFORE / IS_AFTER one moment) and ``TIME_RANGED`` (IS_BETWEEN two),
whose time points are a calendar ``DATE`` in a zone or an ``INDEXED`` point (today or
now, plus an offset), worked out when a contact is checked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from integrations.sandbox.hubspot.properties import PropertyDef, parse_moment

_COMPARISONS = (
    "IS_EQUAL_TO",
    "IS_NOT_EQUAL_TO",
    "IS_GREATER_THAN",
    "IS_GREATER_THAN_OR_EQUAL_TO",
    "IS_LESS_THAN",
    "IS_LESS_THAN_OR_EQUAL_TO",
)
_STRING_OPERATORS = (
    "IS_EQUAL_TO",
    "IS_NOT_EQUAL_TO",
    "CONTAINS",
    "DOES_NOT_CONTAIN",
    "STARTS_WITH",
    "ENDS_WITH",
)
#: operationType -> operators it accepts
OPERATORS: dict[str, tuple[str, ...]] = {
    "STRING": _STRING_OPERATORS,
    "MULTISTRING": _STRING_OPERATORS,
    "NUMBER": _COMPARISONS,
    "ENUMERATION": ("IS_ANY_OF", "IS_NONE_OF"),
    "BOOL": ("IS_EQUAL_TO", "IS_NOT_EQUAL_TO"),
    "DATETIME": _COMPARISONS,
    "DATE": _COMPARISONS,
    "ALL_PROPERTY": ("IS_KNOWN", "IS_UNKNOWN"),
    "TIME_POINT": ("IS_BEFORE", "IS_AFTER"),
    "TIME_RANGED": ("IS_BETWEEN", "IS_NOT_BETWEEN"),
}
#: property type -> the operationTypes that may filter it
_OPERATION_TYPES_FOR = {
    "string": {"STRING", "MULTISTRING"},
    "number": {"NUMBER"},
    "enumeration": {"ENUMERATION"},
    "bool": {"BOOL"},
    "datetime": {"DATETIME", "DATE", "TIME_POINT", "TIME_RANGED"},
    "date": {"DATETIME", "DATE", "TIME_POINT", "TIME_RANGED"},
}
#: PublicIndexOffset's units, as timedelta keywords (months and years are not offered)
_OFFSET_UNITS = {
    "days": "days",
    "weeks": "weeks",
    "hours": "hours",
    "minutes": "minutes",
    "seconds": "seconds",
    "milliseconds": "milliseconds",
}

Matcher = Callable[[Mapping[str, str]], bool]
Clock = Callable[[], datetime]


class FilterError(ValueError):
    """A filterBranch HubSpot would refuse (400 VALIDATION_ERROR), in plain words."""


def _branch(node: Any, kind: str, where: str) -> tuple[list[Any], list[Any]]:
    if not isinstance(node, dict):
        raise FilterError(f"{where} must be an object")
    if node.get("filterBranchType") != kind:
        raise FilterError(
            f"{where} must have filterBranchType {kind}, not {node.get('filterBranchType')!r}"
        )
    filters, branches = node.get("filters", []), node.get("filterBranches", [])
    if not isinstance(filters, list) or not isinstance(branches, list):
        raise FilterError(f"{where}: 'filters' and 'filterBranches' must be lists")
    return filters, branches


def compile_branch(
    branch: Any, catalogue: Mapping[str, PropertyDef], clock: Clock = lambda: datetime.now(UTC)
) -> Matcher:
    """Check the whole branch and return a predicate on a contact's properties; ``clock``
    is "now" for indexed time points (today, now) when a contact is checked."""
    filters, ands = _branch(branch, "OR", "The root filterBranch")
    if filters:
        raise FilterError("The root OR branch cannot hold filters; put them in AND branches")
    groups: list[list[Matcher]] = []
    for i, node in enumerate(ands):
        where = f"filterBranches[{i}]"
        inner, nested = _branch(node, "AND", where)
        if nested:
            raise FilterError(f"{where}: nested branches are not supported under an AND branch")
        if not inner:
            raise FilterError(f"{where} needs at least one filter")
        groups.append(
            [
                _compile_filter(f, catalogue, f"{where}.filters[{j}]", clock)
                for j, f in enumerate(inner)
            ]
        )
    return lambda props: any(all(m(props) for m in group) for group in groups)


def _compile_filter(
    f: Any, catalogue: Mapping[str, PropertyDef], where: str, clock: Clock
) -> Matcher:
    if not isinstance(f, dict) or f.get("filterType") != "PROPERTY":
        raise FilterError(f"{where}: only filterType PROPERTY is supported")
    name = f.get("property")
    prop = catalogue.get(name) if isinstance(name, str) else None
    if prop is None:
        raise FilterError(f"{where}: the property {name!r} does not exist on contacts")
    operation = f.get("operation")
    if not isinstance(operation, dict):
        raise FilterError(f"{where}: 'operation' must be an object")
    op_type, operator = operation.get("operationType"), operation.get("operator")
    if op_type not in OPERATORS:
        raise FilterError(f"{where}: unknown operationType {op_type!r}")
    if operator not in OPERATORS[op_type]:
        raise FilterError(
            f"{where}: operator {operator!r} cannot be used with operationType {op_type} "
            f"(allowed: {', '.join(OPERATORS[op_type])})"
        )
    if op_type == "ALL_PROPERTY":
        known = operator == "IS_KNOWN"
        return lambda p: (p.get(name) not in (None, "")) == known
    if op_type not in _OPERATION_TYPES_FOR.get(prop.type, set()):
        raise FilterError(
            f"{where}: property {name} is of type {prop.type}; operationType {op_type} "
            "does not apply to it"
        )
    include_unset = bool(operation.get("includeObjectsWithNoValueSet", False))
    if op_type in ("TIME_POINT", "TIME_RANGED"):
        test = _time_test(op_type, operator, operation, where, clock)
    else:
        test = _value_test(op_type, operator, operation, where)

    def matcher(p: Mapping[str, str]) -> bool:
        value = p.get(name)
        if value in (None, ""):
            return include_unset
        return test(value)

    return matcher


def _value_test(
    op_type: str, operator: str, operation: dict[str, Any], where: str
) -> Callable[[str], bool]:
    if op_type in ("ENUMERATION", "MULTISTRING"):
        values = operation.get("values")
        if not isinstance(values, list) or not values:
            raise FilterError(f"{where}: {op_type} filters need a non-empty 'values' list")
        wanted = [str(v).lower() for v in values]
        if op_type == "ENUMERATION":
            members = set(wanted)
            if operator == "IS_ANY_OF":
                return lambda v: bool(members & set(v.lower().split(";")))
            return lambda v: not members & set(v.lower().split(";"))
        return _any_string(operator, wanted)
    if "value" not in operation:
        raise FilterError(f"{where}: {op_type} filters need a 'value'")
    raw = operation["value"]
    if op_type == "STRING":
        return _any_string(operator, [str(raw).lower()])
    if op_type == "BOOL":
        wanted_bool = str(raw).lower() == "true"
        equal = operator == "IS_EQUAL_TO"
        return lambda v: (
            (v.lower() == "true") == wanted_bool if equal else (v.lower() == "true") != wanted_bool
        )
    if op_type == "NUMBER":
        try:
            target = float(raw)
        except (TypeError, ValueError):
            raise FilterError(
                f"{where}: NUMBER filters need a numeric value, not {raw!r}"
            ) from None
        convert: Callable[[str], Any] = _float_or_none
    else:
        moment = parse_moment(raw)
        if moment is None:
            raise FilterError(f"{where}: {raw!r} is not an epoch-ms or ISO-8601 date")
        target = moment.timestamp()

        def convert(v: str) -> Any:
            m = parse_moment(v)
            return m.timestamp() if m else None

    compare = {
        "IS_EQUAL_TO": lambda x: x == target,
        "IS_NOT_EQUAL_TO": lambda x: x != target,
        "IS_GREATER_THAN": lambda x: x > target,
        "IS_GREATER_THAN_OR_EQUAL_TO": lambda x: x >= target,
        "IS_LESS_THAN": lambda x: x < target,
        "IS_LESS_THAN_OR_EQUAL_TO": lambda x: x <= target,
    }[operator]

    def test(v: str) -> bool:
        x = convert(v)
        return x is not None and compare(x)

    return test


def _time_point(point: Any, where: str) -> Callable[[datetime], datetime]:
    """A time point as a function of "now": a calendar DATE (with optional time of day)
    in its zone, or INDEXED on today's start or now, moved by its offset."""
    if not isinstance(point, dict):
        raise FilterError(f"{where} must be an object")
    try:
        zone = ZoneInfo(str(point.get("zoneId") or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        raise FilterError(f"{where}: unknown zoneId {point.get('zoneId')!r}") from None
    kind = point.get("timeType")
    if kind == "DATE":
        try:
            moment = datetime(
                int(point["year"]),
                int(point["month"]),
                int(point["day"]),
                int(point.get("hour", 0)),
                int(point.get("minute", 0)),
                int(point.get("second", 0)),
                int(point.get("millisecond", 0)) * 1000,
                tzinfo=zone,
            )
        except (KeyError, TypeError, ValueError):
            raise FilterError(
                f"{where}: a DATE time point needs a valid year, month and day"
            ) from None
        return lambda now: moment
    if kind == "INDEXED":
        reference = (point.get("indexReference") or {}).get("referenceType")
        if reference not in ("TODAY", "NOW"):
            raise FilterError(f"{where}: indexReference.referenceType must be TODAY or NOW")
        offset = point.get("offset") or {}
        unknown = set(offset) - set(_OFFSET_UNITS)
        if unknown or not all(isinstance(v, int) for v in offset.values()):
            raise FilterError(f"{where}: offset takes whole {', '.join(_OFFSET_UNITS)}")
        try:
            shift = timedelta(**{_OFFSET_UNITS[k]: v for k, v in offset.items()})
            (datetime.now(UTC) + shift).astimezone(zone)
        except OverflowError:
            raise FilterError(f"{where}: the offset is out of range") from None

        def indexed(now: datetime) -> datetime:
            local = now.astimezone(zone)
            if reference == "TODAY":
                local = local.replace(hour=0, minute=0, second=0, microsecond=0)
            return local + shift

        return indexed
    raise FilterError(f"{where}: timeType must be DATE or INDEXED, not {kind!r}")


def _time_test(
    op_type: str, operator: str, operation: dict[str, Any], where: str, clock: Clock
) -> Callable[[str], bool]:
    if op_type == "TIME_POINT":
        point = _time_point(operation.get("timePoint"), f"{where}.timePoint")
        before = operator == "IS_BEFORE"

        def on_one_side(v: str) -> bool:
            moment = parse_moment(v)
            if moment is None:
                return False
            target = point(clock())
            return moment < target if before else moment > target

        return on_one_side
    lower = _time_point(operation.get("lowerBoundTimePoint"), f"{where}.lowerBoundTimePoint")
    upper = _time_point(operation.get("upperBoundTimePoint"), f"{where}.upperBoundTimePoint")
    behaviours = (
        operation.get("lowerBoundEndpointBehavior", "INCLUSIVE"),
        operation.get("upperBoundEndpointBehavior", "INCLUSIVE"),
    )
    if not set(behaviours) <= {"INCLUSIVE", "EXCLUSIVE"}:
        raise FilterError(f"{where}: endpoint behaviours are INCLUSIVE or EXCLUSIVE")
    inside = operator == "IS_BETWEEN"

    def in_range(v: str) -> bool:
        moment = parse_moment(v)
        if moment is None:
            return False
        now = clock()
        low, high = lower(now), upper(now)
        above = moment >= low if behaviours[0] == "INCLUSIVE" else moment > low
        below = moment <= high if behaviours[1] == "INCLUSIVE" else moment < high
        return (above and below) == inside

    return in_range


def _float_or_none(v: str) -> float | None:
    try:
        return float(v)
    except ValueError:
        return None


def _any_string(operator: str, wanted: list[str]) -> Callable[[str], bool]:
    positive = {
        "IS_EQUAL_TO": lambda v, w: v == w,
        "IS_NOT_EQUAL_TO": lambda v, w: v == w,
        "CONTAINS": lambda v, w: w in v,
        "DOES_NOT_CONTAIN": lambda v, w: w in v,
        "STARTS_WITH": lambda v, w: v.startswith(w),
        "ENDS_WITH": lambda v, w: v.endswith(w),
    }[operator]
    negated = operator in ("IS_NOT_EQUAL_TO", "DOES_NOT_CONTAIN")

    def test(v: str) -> bool:
        hit = any(positive(v.lower(), w) for w in wanted)
        return not hit if negated else hit

    return test


def normalized(branch: dict[str, Any]) -> dict[str, Any]:
    """The branch as HubSpot echoes it: ``filterBranchOperator`` and defaults filled in."""
    filters = []
    for f in branch.get("filters", []):
        operation = {"includeObjectsWithNoValueSet": False, **f.get("operation", {})}
        filters.append({**f, "operation": operation})
    return {
        "filterBranchType": branch["filterBranchType"],
        "filterBranchOperator": branch.get("filterBranchOperator", branch["filterBranchType"]),
        "filters": filters,
        "filterBranches": [normalized(b) for b in branch.get("filterBranches", [])],
    }
