"""The keyset pagers on their own, where HubSpot's ties and re-sorts can be made at will.

This in-memory search keeps HubSpot's contract: one sort, ``GTE``/``EQ``/``GT``
filters, ties in no particular order, and every query sorted afresh from the
records' *current* values, so a record modified between two pages jumps to the
end exactly as it does in a real portal.
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from integrations.hubspot.streams import (
    CONTACTS,
    IdSpan,
    by_id,
    cursor_ms,
    id_span,
    modified_since,
    newest_cursor,
)

START = 1_700_000_000_000


class Portal:
    def __init__(self, stamps: list[int]) -> None:
        self.records = {
            str(1000 + i): {"id": str(1000 + i), "properties": {"lastmodifieddate": str(ms)}}
            for i, ms in enumerate(stamps)
        }
        self.clock = max(stamps, default=START) + 1
        self.queries = 0

    def touch(self, record_id: str) -> None:
        """A write to the record: its lastmodifieddate becomes now."""
        self.clock += 1
        self.records[record_id]["properties"]["lastmodifieddate"] = str(self.clock)

    def search(self, object_type: str, body: dict) -> dict:
        self.queries += 1
        assert "after" not in body, "keyset pagers never page with an offset"
        groups = body["filterGroups"]
        [sort] = body["sorts"]  # HubSpot takes one sort
        assert body["limit"] <= 200

        def value(record: dict, name: str) -> int:
            if name == "hs_object_id":
                return int(record["id"])
            return int(record["properties"]["lastmodifieddate"])

        def keep(record: dict) -> bool:
            if not groups:
                return True
            for condition in groups[0]["filters"]:
                have, want = value(record, condition["propertyName"]), int(condition["value"])
                ok = {
                    "GTE": have >= want,
                    "GT": have > want,
                    "EQ": have == want,
                    "LTE": have <= want,
                }
                if not ok[condition["operator"]]:
                    return False
            return True

        matching = [r for r in self.records.values() if keep(r)]
        descending = sort.get("direction") == "DESCENDING"
        # ties come back in no particular order, as in HubSpot
        salt = self.queries
        matching.sort(
            key=lambda r: (value(r, sort["propertyName"]), hash((r["id"], salt))),
            reverse=descending,
        )
        page = matching[: body["limit"]]
        answer: dict = {
            "total": len(matching),
            "results": [{"id": r["id"], "properties": dict(r["properties"])} for r in page],
        }
        if len(matching) > body["limit"]:
            answer["paging"] = {"next": {"after": str(body["limit"])}}
        return answer


@pytest.mark.parametrize("distinct_stamps", [12_000, 300, 3])
def test_every_record_once_past_the_10k_cap_even_with_ties(distinct_stamps: int):
    rng = random.Random(distinct_stamps)
    portal = Portal([START + rng.randrange(distinct_stamps) for _ in range(12_000)])

    seen = [r["id"] for page in modified_since(portal.search, CONTACTS, 0, ["email"]) for r in page]

    assert len(seen) == 12_000 and len(set(seen)) == 12_000


def test_records_the_reader_writes_to_never_push_unread_ones_past_it():
    """The first full sync skipped ~2%: every page's writes moved those records to the
    end of the sort, and an offset then jumped past as many unread ones."""
    portal = Portal([START + i for i in range(2_000)])
    original = set(portal.records)
    seen: set[str] = set()
    for page in modified_since(portal.search, CONTACTS, 0, []):
        for record in page:
            if record["id"] not in seen and int(record["id"]) % 3 == 0:
                portal.touch(record["id"])  # the run writes to a third of each page
            seen.add(record["id"])
    assert original <= seen


def test_a_full_read_by_id_is_not_reordered_by_writes():
    portal = Portal([START + i for i in range(1_000)])
    seen: list[str] = []
    for page in by_id(portal.search, CONTACTS, []):
        for record in page:
            portal.touch(record["id"])
            seen.append(record["id"])
    assert sorted(seen, key=int) == seen and set(seen) == set(portal.records)


def test_handled_ids_at_the_cursor_are_not_read_again_but_the_rest_of_its_millisecond_is():
    portal = Portal([START] * 450 + [START + 5])
    handled = {str(1000 + i) for i in range(0, 450, 2)}

    seen = [
        r["id"]
        for page in modified_since(portal.search, CONTACTS, START, [], handled=handled)
        for r in page
    ]

    assert sorted(seen) == sorted(set(portal.records) - handled) and len(seen) == len(set(seen))


def test_since_is_inclusive():
    portal = Portal([START, START + 500, START + 1_000])
    pages = list(modified_since(portal.search, CONTACTS, START + 500, []))
    assert [r["id"] for p in pages for r in p] == ["1001", "1002"]


def test_newest_cursor_is_where_an_incremental_read_resumes():
    portal = Portal([START + 7, START + 3])
    assert newest_cursor(portal.search, CONTACTS) == START + 7
    assert newest_cursor(Portal([]).search, CONTACTS) is None


def test_cursor_values_are_read_as_epoch_ms_or_iso():
    assert cursor_ms("1700000000500") == 1_700_000_000_500
    assert cursor_ms("2023-11-14T22:13:20.500Z") == 1_700_000_000_500
    assert cursor_ms("") is None


@given(
    first=st.integers(min_value=1, max_value=10_000),
    width=st.integers(min_value=0, max_value=5_000),
    count=st.integers(min_value=1, max_value=60),
)
def test_id_slices_cover_every_id_once_and_the_last_is_open(first, width, count) -> None:
    """A full read shared out in slices: each id of the span (and any newer one, created
    while the slices are read) is in exactly one slice, so none is lost or read twice."""
    span = IdSpan(first=first, last=first + width)
    slices = span.slices(count)
    assert 1 <= len(slices) <= count
    assert slices[-1][1] is None
    for record_id in (first, first + width // 2, first + width, first + width + 1_000):
        holders = [(a, b) for a, b in slices if a < record_id and (b is None or record_id <= b)]
        assert len(holders) == 1, (record_id, slices)
    assert all(a < b for a, b in slices[:-1])


def test_a_full_read_in_slices_reads_every_record_once_also_one_created_meanwhile() -> None:
    portal = Portal([START + i for i in range(1_000)])
    del portal.records["1500"]  # a gap: ids need not be dense
    first_page = next(by_id(portal.search, CONTACTS, ["email"]))
    after = int(first_page[-1]["id"])
    _, whole = id_span(portal.search, CONTACTS)
    span = IdSpan(first=after + 1, last=whole.last)
    read = [r["id"] for r in first_page]
    slices = span.slices(4)
    for n, (above, up_to) in enumerate(slices):
        if n == 2:  # a contact created while the slices are read: past the last id
            portal.records["5000"] = {"id": "5000", "properties": {"lastmodifieddate": "1"}}
        pages = by_id(portal.search, CONTACTS, ["email"], above=above, up_to=up_to)
        read += [r["id"] for page in pages for r in page]
    assert sorted(read) == sorted(portal.records) and len(read) == len(set(read))
