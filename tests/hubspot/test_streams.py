"""The re-anchoring pager on its own, where HubSpot's ties can be made at will.

The sandbox stamps every write with a distinct millisecond, so ties on the
cursor never happen there; real portals have them (imports, workflows). This
in-memory search keeps HubSpot's contract: ``GTE`` filter, ascending sort,
offset ``after``, 400 past 10,000 results.
"""

from __future__ import annotations

import random

import pytest

from integrations.hubspot.limits import SEARCH_RESULT_CAP
from integrations.hubspot.streams import CONTACTS, ReanchorStuck, cursor_ms, modified_since


class PastTheCap(Exception):
    pass


def portal(stamps: list[int]):
    records = [
        {"id": str(1000 + i), "properties": {"lastmodifieddate": str(ms)}}
        for i, ms in enumerate(stamps)
    ]
    queries: list[int] = []
    answers: dict[int, list[dict]] = {}

    def search(object_type: str, body: dict) -> dict:
        [group] = body["filterGroups"]
        [condition] = group["filters"]
        assert (condition["propertyName"], condition["operator"]) == ("lastmodifieddate", "GTE")
        since = int(condition["value"])
        offset, limit = int(body.get("after", 0)), body["limit"]
        if offset + limit > SEARCH_RESULT_CAP:
            raise PastTheCap(offset)
        if offset == 0:
            queries.append(since)
        if since not in answers:  # ties come back in no particular order, as in HubSpot
            answers[since] = sorted(
                (r for r in records if int(r["properties"]["lastmodifieddate"]) >= since),
                key=lambda r: (int(r["properties"]["lastmodifieddate"]), hash((r["id"], since))),
            )
        matching = answers[since]
        answer: dict = {"total": len(matching), "results": matching[offset : offset + limit]}
        if offset + limit < len(matching):
            answer["paging"] = {"next": {"after": str(offset + limit)}}
        return answer

    return search, queries


@pytest.mark.parametrize("distinct_stamps", [21_000, 300, 3])
def test_every_record_once_across_re_anchors_even_with_ties(distinct_stamps: int):
    rng = random.Random(distinct_stamps)
    stamps = [1_700_000_000_000 + rng.randrange(distinct_stamps) for _ in range(21_000)]
    search, queries = portal(stamps)

    seen = [r["id"] for page in modified_since(search, CONTACTS, 0, ["email"]) for r in page]

    assert len(seen) == 21_000 and len(set(seen)) == 21_000
    assert len(queries) >= 3  # 21,000 results need at least three queries under the cap
    assert queries == sorted(queries)


def test_more_ties_than_one_query_can_hold_stop_with_a_clear_error():
    search, _ = portal([1_700_000_000_000] * (SEARCH_RESULT_CAP + 5))
    with pytest.raises(ReanchorStuck, match="lastmodifieddate = 1700000000000"):
        for _ in modified_since(search, CONTACTS, 0, []):
            pass


def test_since_is_inclusive():
    search, _ = portal([1_700_000_000_000, 1_700_000_000_500, 1_700_000_001_000])
    pages = list(modified_since(search, CONTACTS, 1_700_000_000_500, []))
    assert [r["id"] for p in pages for r in p] == ["1001", "1002"]


def test_cursor_values_are_read_as_epoch_ms_or_iso():
    assert cursor_ms("1700000000500") == 1_700_000_000_500
    assert cursor_ms("2023-11-14T22:13:20.500Z") == 1_700_000_000_500
    assert cursor_ms("") is None
