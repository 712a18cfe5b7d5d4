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


def test_bunched_writes_are_cut_into_ranges_of_about_as_many_records() -> None:
    # collections of 200 every second for 10 s, then one Bulk job of 2,000 at 15 s, then
    # a few more collections: cut in equal times (at 7 and 14 s), the ranges would hold
    # 1,400, 2,600 and 1,000
    writes = [(_at(s), 200) for s in range(10)]
    writes += [(_at(15), 2000)]
    writes += [(_at(16 + s), 200) for s in range(5)]

    cuts = echo_cuts(writes, 3)

    assert len(cuts) == 2
    assert cuts == sorted(cuts)
    per_range = _records_per_range(writes, cuts)
    assert sum(per_range) == 5000
    # each cut comes once a third of the records is past: the Bulk job cannot be split
    assert per_range == [1800, 2200, 1000]


def test_each_cut_lies_between_two_writes() -> None:
    writes = [(_at(s), 100) for s in (0, 2, 4, 6)]
    assert echo_cuts(writes, 2) == [_at(3)]  # halfway between the second and third


def test_one_write_cannot_be_cut() -> None:
    assert echo_cuts([(_at(0), 5600)], 3) == []
    assert echo_cuts([], 3) == []
