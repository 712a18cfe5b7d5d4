"""CRM search (``POST /crm/v3/objects/{type}/search``): validation and matching.

Reference: https://developers.hubspot.com/docs/api-reference/crm-search-v3/guide.
Filters inside a group are ANDed, groups are ORed; string comparisons ignore
case; dates may be given as epoch milliseconds or ISO-8601 strings.
``CONTAINS_TOKEN`` matches a word of the value; in HTML values (activity bodies)
the words are those of the text, as HubSpot indexes them, not of the markup.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import Any

from bs4 import BeautifulSoup

from integrations.sandbox.hubspot.properties import PropertyDef, iso, parse_moment

#: at most 200 results per search page
SEARCH_LIMIT_MAX = 200
#: HubSpot's default page size for search
SEARCH_LIMIT_DEFAULT = 10
#: no query pages past its first 10,000 results
SEARCH_RESULT_CAP = 10_000
#: at most 5 filterGroups ...
MAX_FILTER_GROUPS = 5
#: ... 6 filters per group and 18 in all
MAX_FILTERS_PER_GROUP = 6
MAX_FILTERS_TOTAL = 18

OPERATORS = frozenset(
    {
        "EQ",
        "NEQ",
        "LT",
        "LTE",
        "GT",
        "GTE",
        "BETWEEN",
        "IN",
        "NOT_IN",
        "HAS_PROPERTY",
        "NOT_HAS_PROPERTY",
        "CONTAINS_TOKEN",
        "NOT_CONTAINS_TOKEN",
    }
)
_TOKEN_SPLIT = re.compile(r"[\s@.,;:_/\-]+")


class SearchError(ValueError):
    """A search body HubSpot would refuse with 400 VALIDATION_ERROR."""


Predicate = Callable[[Mapping[str, str]], bool]


@dataclass
class SearchQuery:
    predicate: Predicate
    sorts: list[tuple[str, bool]]  # (property, descending)
    properties: list[str] | None
    limit: int
    after: int
    #: lowest and highest record id the query can match (None: unbounded), from its
    #: ``hs_object_id`` filters: an emulator looks at those records only, as HubSpot's
    #: index does, instead of testing every record of a big portal
    id_bounds: tuple[int | None, int | None] = (None, None)


def _key(prop: PropertyDef | None, value: Any) -> Any:
    """A comparable form of ``value`` for ``prop``'s type (None when not comparable)."""
    if value is None:
        return None
    kind = prop.type if prop else "string"
    if kind == "number":
        try:
            return float(value)
        except (TypeError, ValueError):
            return None
    if kind in ("datetime", "date"):
        # stored values are canonical ISO strings, which sort chronologically
        if isinstance(value, str) and len(value) == 24 and value[10] == "T" and value[-1] == "Z":
            return value
        moment = parse_moment(value)
        return iso(moment) if moment else None
    return str(value).lower()


def _tokens(value: str) -> set[str]:
    lowered = value.lower()
    return {t for t in _TOKEN_SPLIT.split(_text_content(lowered)) if t} | {lowered}


@lru_cache(maxsize=4096)
def _text_content(value: str) -> str:
    """What HubSpot indexes of an HTML value (activity bodies are HTML): its text, tags
    taken as word breaks and entities decoded, so ``<p>a sfsync1</p>`` holds ``sfsync1``."""
    if "<" not in value:
        return value
    return BeautifulSoup(value, "html.parser").get_text(" ")


def _contains_token(stored: str, wanted: str) -> bool:
    wanted = wanted.lower()
    if "*" in wanted:
        return any(fnmatch.fnmatchcase(t, wanted) for t in _tokens(stored))
    return wanted in _tokens(stored)


def compile_filter(f: Any, catalogue: Mapping[str, PropertyDef]) -> Predicate:
    """One filter as a predicate on a property dict; ``SearchError`` if HubSpot would refuse it."""
    if not isinstance(f, dict):
        raise SearchError("Each filter must be an object")
    name, operator = f.get("propertyName"), f.get("operator")
    if not isinstance(name, str) or name not in catalogue:
        raise SearchError(f"There was a problem with the request: property {name!r} does not exist")
    if operator not in OPERATORS:
        raise SearchError(f"Unknown filter operator {operator!r} (one of {sorted(OPERATORS)})")
    prop = catalogue[name]
    if operator == "HAS_PROPERTY":
        return lambda p: p.get(name) not in (None, "")
    if operator == "NOT_HAS_PROPERTY":
        return lambda p: p.get(name) in (None, "")
    if operator in ("IN", "NOT_IN"):
        values = f.get("values")
        if not isinstance(values, list) or not values:
            raise SearchError(f"Operator {operator} needs a non-empty 'values' list")
        wanted = {_key(prop, v) for v in values}
        if operator == "IN":
            return lambda p: _key(prop, p.get(name)) in wanted
        return lambda p: _key(prop, p.get(name)) not in wanted
    if operator == "BETWEEN":
        low, high = _key(prop, f.get("value")), _key(prop, f.get("highValue"))
        if low is None or high is None:
            raise SearchError("Operator BETWEEN needs 'value' and 'highValue'")

        def between(p: Mapping[str, str]) -> bool:
            v = _key(prop, p.get(name))
            return v is not None and low <= v <= high

        return between
    if "value" not in f:
        raise SearchError(f"Operator {operator} needs a 'value'")
    raw = f.get("value")
    if operator in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        token = str(raw)
        if operator == "CONTAINS_TOKEN":
            return lambda p: p.get(name) is not None and _contains_token(p[name], token)
        return lambda p: p.get(name) is None or not _contains_token(p[name], token)
    target = _key(prop, raw)
    if target is None:
        raise SearchError(f"Value {raw!r} is not valid for {prop.type} property {name}")
    if operator == "EQ":
        return lambda p: _key(prop, p.get(name)) == target
    if operator == "NEQ":
        return lambda p: _key(prop, p.get(name)) != target
    compare = {
        "LT": lambda v: v < target,
        "LTE": lambda v: v <= target,
        "GT": lambda v: v > target,
        "GTE": lambda v: v >= target,
    }[operator]

    if prop.type in ("datetime", "date"):
        op = {"LT": "__lt__", "LTE": "__le__", "GT": "__gt__", "GTE": "__ge__"}[operator]

        # the hot path of incremental reads: canonical ISO strings compare as they are
        def dated(p: Mapping[str, str]) -> bool:
            v = p.get(name)
            if v is None:
                return False
            if len(v) != 24 or v[-1] != "Z":
                v = _key(prop, v)
            return v is not None and getattr(v, op)(target)

        return dated

    def ordered(p: Mapping[str, str]) -> bool:
        v = _key(prop, p.get(name))
        return v is not None and compare(v)

    return ordered


def _text_query(query: str) -> Predicate:
    """The free-text ``query``: a prefix of a token of a default searchable property."""
    wanted = query.lower()
    fields = ("firstname", "lastname", "email", "phone", "company", "hs_object_id")

    def matches(p: Mapping[str, str]) -> bool:
        return any(t.startswith(wanted) for f in fields if p.get(f) for t in _tokens(p[f]))

    return matches


def parse_search(body: Any, catalogue: Mapping[str, PropertyDef]) -> SearchQuery:
    """Validate a search body and compile it; ``SearchError`` says what HubSpot would."""
    if not isinstance(body, dict):
        raise SearchError("Invalid input JSON: the search body must be an object")
    groups = body.get("filterGroups") or []
    if not isinstance(groups, list) or len(groups) > MAX_FILTER_GROUPS:
        raise SearchError(f"Too many filter groups: at most {MAX_FILTER_GROUPS} are allowed")
    compiled: list[list[Predicate]] = []
    total = 0
    for group in groups:
        filters = group.get("filters") if isinstance(group, dict) else None
        if not isinstance(filters, list) or len(filters) > MAX_FILTERS_PER_GROUP:
            raise SearchError(
                f"Each filter group needs a 'filters' list of at most {MAX_FILTERS_PER_GROUP}"
            )
        total += len(filters)
        compiled.append([compile_filter(f, catalogue) for f in filters])
    if total > MAX_FILTERS_TOTAL:
        raise SearchError(f"Too many filters: at most {MAX_FILTERS_TOTAL} in all")
    query = body.get("query")
    text = _text_query(str(query)) if query else None

    if text is None and len(compiled) == 1 and len(compiled[0]) == 1:
        predicate = compiled[0][0]  # the common single-filter query, without generator overhead
    else:

        def predicate(p: Mapping[str, str]) -> bool:
            if text is not None and not text(p):
                return False
            return not compiled or any(all(f(p) for f in group) for group in compiled)

    sorts = []
    for s in body.get("sorts") or []:
        if isinstance(s, str):
            s = {"propertyName": s.lstrip("-"), "direction": "DESCENDING" if s[:1] == "-" else ""}
        name = s.get("propertyName") if isinstance(s, dict) else None
        if name not in catalogue:
            raise SearchError(f"Cannot sort on unknown property {name!r}")
        sorts.append((name, s.get("direction") == "DESCENDING"))
    limit = _int(body.get("limit", SEARCH_LIMIT_DEFAULT), "limit")
    if not 0 < limit <= SEARCH_LIMIT_MAX:
        raise SearchError(f"limit must be between 1 and {SEARCH_LIMIT_MAX}")
    after = _int(body.get("after") or 0, "after")
    if after < 0 or after + limit > SEARCH_RESULT_CAP:
        raise SearchError(
            f"Paging past the first {SEARCH_RESULT_CAP} results is not allowed "
            f"(after={after}, limit={limit}); narrow the query instead"
        )
    properties = body.get("properties")
    if properties is not None and not isinstance(properties, list):
        raise SearchError("'properties' must be a list of property names")
    bounds = _id_bounds(groups) if text is None and len(compiled) == 1 else (None, None)
    return SearchQuery(predicate, sorts, properties, limit, after, bounds)


def _id_bounds(groups: list[dict[str, Any]]) -> tuple[int | None, int | None]:
    """The id range a single filter group's ``hs_object_id`` filters allow (the other
    filters still apply: this only narrows which records are tested)."""
    low: int | None = None
    high: int | None = None
    for f in groups[0]["filters"]:
        if f.get("propertyName") != "hs_object_id":
            continue
        try:
            value = int(f.get("value"))
        except (TypeError, ValueError):
            continue
        operator = f.get("operator")
        if operator in ("GT", "GTE", "EQ"):
            floor = value + 1 if operator == "GT" else value
            low = floor if low is None else max(low, floor)
        if operator in ("LT", "LTE", "EQ"):
            ceiling = value - 1 if operator == "LT" else value
            high = ceiling if high is None else min(high, ceiling)
    return low, high


def _int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise SearchError(f"{name} must be an integer") from None


def sort_records(
    records: list[dict[str, Any]],
    sorts: list[tuple[str, bool]],
    catalogue: Mapping[str, PropertyDef],
) -> None:
    """Sort in place by ``sorts`` (stable, last key first); missing values always sort last."""
    for name, descending in reversed(sorts):
        prop = catalogue[name]

        dated = prop.type in ("datetime", "date")
        present, missing = [], []
        for record in records:
            v = record["properties"].get(name)
            if v is not None and not (dated and len(v) == 24 and v[-1] == "Z"):
                v = _key(prop, v)  # canonical ISO dates are already their own sort key
            if v is None:
                missing.append(record)
            else:
                present.append((v, record))
        present.sort(key=itemgetter(0), reverse=descending)
        records[:] = [record for _, record in present] + missing
