"""The echo pass cuts the time of a run's Salesforce writes where the writes were, so
that each of its side-by-side reads gets about as many records: writes bunch up (a
Bulk job of thousands at once, collections of 200 a second apart), and a range holding
most of them would be read page after page while the others wait."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from integrations.engine.contacts.units import echo_cuts

START = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def _at(seconds: float) -> datetime:
    return START + timedelta(seconds=seconds)


def _records_per_range(writes: list[tuple[datetime, int]], cuts: list[datetime]) -> list[int]:
    bounds = [START - timedelta(hours=1), *cuts, START + timedelta(hours=1)]
    return [
        sum(n for moment, n in writes if low <= moment < high)
        for low, high in zip(bounds, bounds[1:], strict=False)
    ]


def test_bunched_writes_are_cut_into_ranges_of_a_query_page_each() -> None:
    # collections of 200 every second for 10 s, then one Bulk job of 2,000 at 15 s, then
    # a few more collections: cut in three equal times (at 7 and 14 s), the ranges would
    # hold 1,400, 2,600 (two pages) and 1,000
    writes = [(_at(s), 200) for s in range(10)]
    writes += [(_at(15), 2000)]
    writes += [(_at(16 + s), 200) for s in range(5)]

    cuts = echo_cuts(writes, per_range=2000, at_most=8)

    assert cuts == [_at(12), _at(15.5)]  # each halfway between two writes
    assert _records_per_range(writes, cuts) == [2000, 2000, 1000]


def test_a_write_bigger_than_a_page_is_a_range_of_its_own() -> None:
    writes = [(_at(0), 300), (_at(1), 2400), (_at(2), 300)]
    cuts = echo_cuts(writes, per_range=2000, at_most=8)
    assert _records_per_range(writes, cuts) == [300, 2400, 300]


def test_past_at_most_ranges_the_records_are_shared_out_evenly() -> None:
    # 30 writes of 100: 15 ranges of a page of 200 would cost 15 units
    writes = [(_at(s), 100) for s in range(30)]
    cuts = echo_cuts(writes, per_range=200, at_most=4)
    assert _records_per_range(writes, cuts) == [800, 700, 800, 700]


def test_one_write_cannot_be_cut() -> None:
    assert echo_cuts([(_at(0), 5600)], per_range=2000, at_most=8) == []
    assert echo_cuts([], per_range=2000, at_most=8) == []
