"""Incremental HubSpot streams, declared once and read by one generic pager.

A stream is a declaration (object type, primary key, cursor property); the
pagers turn it into ``POST /crm/v3/objects/{type}/search`` requests.

**Keyset, never offsets.** HubSpot re-sorts a search between pages: a record
modified while we page (by anyone, including this very run writing to the
page it just read) jumps to the end of a ``lastmodifieddate`` sort, and every
record behind it moves up one place. Paging with the offset ``after`` then
skips as many unread records as were modified. So every page here is a fresh
query anchored on what was already read: ``cursor GTE anchor`` (skipping the
ids already yielded at exactly the anchor), or, for a full read,
``hs_object_id GT last id`` (ids never change). A record modified meanwhile is
read again later with its new value, which idempotent upserts absorb; no
record is ever skipped. Because no query pages past its first page, HubSpot's
10,000-result cap never applies. Pages are yielded one at a time; nothing
holds the whole result set.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from integrations.http.side_by_side import side_by_side_all
from integrations.hubspot.limits import SEARCH_PAGE_SIZE

Record = dict[str, Any]
SearchCall = Callable[[str, dict[str, Any]], dict[str, Any]]
#: told, once, how many records a read will yield, from its first search's ``total``
#: (an estimate: records changing while it pages can make it more or fewer)
OnTotal = Callable[[int], None]


@dataclass(frozen=True)
class Stream:
    """What an incremental read of one CRM object type needs to know."""

    object_type: str
    cursor_property: str
    primary_key: str = "id"


CONTACTS = Stream("contacts", cursor_property="lastmodifieddate")
#: the engagement objects keep their modification time in ``hs_lastmodifieddate``
ENGAGEMENT_TYPES = ("notes", "calls", "emails", "meetings", "tasks")
ENGAGEMENTS = {
    name: Stream(name, cursor_property="hs_lastmodifieddate") for name in ENGAGEMENT_TYPES
}


def engagement_stream(object_type: str) -> Stream:
    """The stream of one engagement type, refusing anything that is not one."""
    try:
        return ENGAGEMENTS[object_type]
    except KeyError:
        raise ValueError(
            f"{object_type!r} is not an engagement type (one of {', '.join(ENGAGEMENT_TYPES)})"
        ) from None


def cursor_ms(value: str | None) -> int | None:
    """A HubSpot date property as epoch ms: values are epoch-ms strings or ISO 8601."""
    if not value:
        return None
    if value.isdigit():
        return int(value)
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)


#: every CRM object's id, as a property that search can filter and sort on
OBJECT_ID = "hs_object_id"


def _body(filters: list[dict[str, str]], sort: str, properties: list[str], limit: int) -> dict:
    return {
        "filterGroups": [{"filters": filters}],
        "sorts": [{"propertyName": sort, "direction": "ASCENDING"}],
        "properties": properties,
        "limit": limit,
    }


def modified_since(
    search: SearchCall,
    stream: Stream,
    since_ms: int,
    properties: Sequence[str],
    *,
    handled: Iterable[str] = (),
    page_size: int = SEARCH_PAGE_SIZE,
    on_total: OnTotal | None = None,
) -> Iterator[list[Record]]:
    """Pages of ``stream`` records whose cursor is >= ``since_ms``, oldest first.

    ``handled`` are ids already synced at exactly ``since_ms`` (the stored
    cursor says which): they are not yielded again. Each page is one search,
    ``cursor GTE anchor``, where the anchor is the newest cursor value yielded
    so far; a block of more than a page of records sharing one millisecond
    (imports, workflows) is read by id (``read_moment``).
    """
    wanted = list(dict.fromkeys([*properties, stream.cursor_property]))
    anchor = since_ms
    #: ids yielded (or handled before) whose cursor equals ``anchor``
    at_anchor: set[str] = set(handled)
    while True:
        filters = [
            {"propertyName": stream.cursor_property, "operator": "GTE", "value": str(anchor)}
        ]
        answer = search(
            stream.object_type, _body(filters, stream.cursor_property, wanted, page_size)
        )
        results = answer.get("results") or []
        fresh: list[Record] = []
        for record in results:
            value = cursor_ms(record.get("properties", {}).get(stream.cursor_property))
            if (value is None or value <= anchor) and str(record[stream.primary_key]) in at_anchor:
                continue
            fresh.append(record)
        if on_total is not None:
            # the first search counts the handled ones it left out too
            on_total(max(0, int(answer.get("total", 0)) - (len(results) - len(fresh))))
            on_total = None
        if fresh:
            yield fresh
            for record in fresh:
                value = cursor_ms(record.get("properties", {}).get(stream.cursor_property))
                if value is not None and value > anchor:
                    anchor, at_anchor = value, set()
                at_anchor.add(str(record[stream.primary_key]))
        elif len(results) >= page_size:
            # a whole page at the anchor's millisecond, all yielded: read the rest by id
            yield from read_moment(search, stream, anchor, wanted, skip=at_anchor)
            anchor, at_anchor = anchor + 1, set()
            continue
        if len(results) < page_size:
            return


def read_moment(
    search: SearchCall,
    stream: Stream,
    moment_ms: int,
    properties: Sequence[str],
    *,
    skip: Iterable[str] = (),
    page_size: int = SEARCH_PAGE_SIZE,
) -> Iterator[list[Record]]:
    """Pages of the records whose cursor is exactly ``moment_ms``, by ascending id
    (keyset on the id), leaving out ``skip``."""
    skip = set(skip)
    last_id = 0
    while True:
        filters = [
            {"propertyName": stream.cursor_property, "operator": "EQ", "value": str(moment_ms)},
            {"propertyName": OBJECT_ID, "operator": "GT", "value": str(last_id)},
        ]
        answer = search(stream.object_type, _body(filters, OBJECT_ID, list(properties), page_size))
        results = answer.get("results") or []
        page = [r for r in results if str(r[stream.primary_key]) not in skip]
        if page:
            yield page
        if len(results) < page_size:
            return
        last_id = int(results[-1][stream.primary_key])


def by_id(
    search: SearchCall,
    stream: Stream,
    properties: Sequence[str],
    *,
    page_size: int = SEARCH_PAGE_SIZE,
    on_total: OnTotal | None = None,
    above: int = 0,
    up_to: int | None = None,
) -> Iterator[list[Record]]:
    """Every record, page by page in ascending id order: a full read that writes made
    during it cannot reorder (ids never change). ``above`` / ``up_to`` bound the ids
    read (``above < id <= up_to``): one slice of a read shared out (``IdSpan.slices``)."""
    wanted = list(dict.fromkeys([*properties, stream.cursor_property]))
    last_id = above
    ceiling = [] if up_to is None else [_id_filter("LTE", up_to)]
    while True:
        filters = [_id_filter("GT", last_id), *ceiling]
        answer = search(stream.object_type, _body(filters, OBJECT_ID, wanted, page_size))
        results = answer.get("results") or []
        if on_total is not None:
            on_total(int(answer.get("total", 0)))
            on_total = None
        if results:
            yield results
        if len(results) < page_size:
            return
        last_id = int(results[-1][stream.primary_key])
        if up_to is not None and last_id >= up_to:
            return  # the slice's last id was on this page: nothing is left to ask for


class ListedOutOfOrder(Exception):
    """HubSpot's listing of a type's records sent ids out of ascending order."""


def listed_by_id(
    pages: Iterator[list[Record]], *, above: int, up_to: int
) -> Iterator[list[Record]]:
    """The records with ``above < id <= up_to`` of a listing (``GET /crm/v3/objects/…``,
    paged by its ``after`` cursor), which HubSpot pages in ascending id order: the read
    stops at the first id past ``up_to``. HubSpot does not document that order, so a
    page out of it raises ``ListedOutOfOrder`` rather than leave a record out."""
    last = 0
    for records in pages:
        ids = [int(record["id"]) for record in records]
        if ids[0] <= last or ids != sorted(set(ids)):
            raise ListedOutOfOrder(
                f"HubSpot listed records out of id order ({ids[0]} after {last})"
            )
        last = ids[-1]
        mine = [record for record, i in zip(records, ids, strict=True) if above < i <= up_to]
        if mine:
            yield mine
        if last > up_to:
            return


def _id_filter(operator: str, value: int) -> dict[str, str]:
    return {"propertyName": OBJECT_ID, "operator": operator, "value": str(value)}


@dataclass(frozen=True)
class IdSpan:
    """The ids of records still to read, from ``first`` to ``last``."""

    first: int
    last: int

    def slices(self, count: int) -> list[tuple[int, int | None]]:
        """``count`` id ranges ``(above, up_to)`` of equal width that cover the span: the
        last is open-ended, so a record created while they are read is not left out."""
        count = max(1, count)
        width = max(1, -(-(self.last - self.first + 1) // count))
        bounds = [self.first - 1 + width * n for n in range(count)]
        return [(low, high) for low, high in zip(bounds, bounds[1:], strict=False)] + [
            (bounds[-1], None)
        ]


def id_span(search: SearchCall, stream: Stream) -> tuple[int, IdSpan | None]:
    """How many records the stream has right now, and the span of their ids from the
    lowest to the highest (None when it has none), in two searches side by side."""

    def end(direction: str) -> dict[str, Any]:
        return search(
            stream.object_type,
            {
                "filterGroups": [],
                "sorts": [{"propertyName": OBJECT_ID, "direction": direction}],
                "properties": [OBJECT_ID],
                "limit": 1,
            },
        )

    highest, lowest_answer = side_by_side_all(
        [partial(end, "DESCENDING"), partial(end, "ASCENDING")], at_most=2
    )
    if not highest.get("results"):
        return 0, None
    lowest = lowest_answer.get("results") or highest["results"]
    return int(highest.get("total", 0)), IdSpan(
        first=int(lowest[0][stream.primary_key]),
        last=int(highest["results"][0][stream.primary_key]),
    )


def newest_cursor(search: SearchCall, stream: Stream) -> int | None:
    """The newest cursor value of the stream right now (one search), or None when empty."""
    answer = search(
        stream.object_type,
        {
            "filterGroups": [],
            "sorts": [{"propertyName": stream.cursor_property, "direction": "DESCENDING"}],
            "properties": [stream.cursor_property],
            "limit": 1,
        },
    )
    results = answer.get("results") or []
    if not results:
        return None
    return cursor_ms(results[0].get("properties", {}).get(stream.cursor_property))
