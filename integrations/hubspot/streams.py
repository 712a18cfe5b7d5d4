"""Incremental HubSpot streams, declared once and read by one generic pager.

A stream is a declaration (object type, primary key, cursor property); the
pager turns it into ``POST /crm/v3/objects/{type}/search`` requests filtered
``cursor GTE since`` and sorted ascending. HubSpot stops a search at 10,000
results, so before the next page would cross that cap the pager **re-anchors**:
it starts a fresh search from the last cursor value it yielded and skips the
records it already yielded at exactly that value. Pages are yielded one at a
time; nothing holds the whole result set.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from integrations.hubspot.limits import SEARCH_PAGE_SIZE, SEARCH_RESULT_CAP

Record = dict[str, Any]
SearchCall = Callable[[str, dict[str, Any]], dict[str, Any]]


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


class ReanchorStuck(RuntimeError):
    """More than a whole search's worth of records share one cursor value.

    Re-anchoring cannot move past them; the caller has to narrow the read
    (this needs 10,000 records modified in the same millisecond).
    """


def cursor_ms(value: str | None) -> int | None:
    """A HubSpot date property as epoch ms: values are epoch-ms strings or ISO 8601."""
    if not value:
        return None
    if value.isdigit():
        return int(value)
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000)


def modified_since(
    search: SearchCall,
    stream: Stream,
    since_ms: int,
    properties: Sequence[str],
    *,
    page_size: int = SEARCH_PAGE_SIZE,
    result_cap: int = SEARCH_RESULT_CAP,
) -> Iterator[list[Record]]:
    """Pages of ``stream`` records whose cursor is >= ``since_ms``, oldest first.

    ``search(object_type, body)`` performs one search request. Every record is
    yielded once per read (a record modified again while we page may come back
    later with its new cursor value, which idempotent upserts absorb).
    """
    wanted = list(dict.fromkeys([*properties, stream.cursor_property]))
    anchor = since_ms
    #: ids yielded whose cursor equals ``anchor``: a re-anchored search returns them again
    at_anchor: set[str] = set()
    while True:
        offset = 0
        progressed = False
        query_from = anchor  # fixed for this query, while ``anchor`` follows the records
        while True:
            body = {
                "filterGroups": [
                    {
                        "filters": [
                            {
                                "propertyName": stream.cursor_property,
                                "operator": "GTE",
                                "value": str(query_from),
                            }
                        ]
                    }
                ],
                "sorts": [{"propertyName": stream.cursor_property, "direction": "ASCENDING"}],
                "properties": wanted,
                "limit": page_size,
            }
            if offset:
                body["after"] = str(offset)
            answer = search(stream.object_type, body)
            results = answer.get("results", [])
            page: list[Record] = []
            for record in results:
                key = str(record[stream.primary_key])
                value = cursor_ms(record.get("properties", {}).get(stream.cursor_property))
                if value is None:
                    value = anchor
                if value == anchor and key in at_anchor:
                    continue
                if value > anchor:
                    anchor, at_anchor = value, set()
                    progressed = True
                at_anchor.add(key)
                page.append(record)
            if page:
                progressed = True
                yield page
            after = (answer.get("paging") or {}).get("next", {}).get("after")
            if not after or not results:
                return
            offset = int(after)
            if offset + page_size > result_cap:
                break  # the next page would cross the cap: re-anchor
        if not progressed:
            raise ReanchorStuck(
                f"{stream.object_type}: more than {result_cap} records have "
                f"{stream.cursor_property} = {anchor}"
            )
