"""Vendor calls sent side by side: every call runs, each outcome comes back in order,
and inside a transaction they run one after the other in the caller's thread."""

from __future__ import annotations

import threading
import time

import pytest

from integrations.http.side_by_side import Beside, read_ahead, side_by_side


def _slow(value: str, *, fail: bool = False):
    def call() -> tuple[str, int]:
        time.sleep(0.3)
        if fail:
            raise ValueError(f"{value} refused")
        return value, threading.get_ident()

    return call


@pytest.mark.django_db(transaction=True)
def test_calls_overlap_and_each_outcome_comes_back_in_order() -> None:
    started = time.monotonic()
    first, second, third = side_by_side([_slow("a"), _slow("b", fail=True), _slow("c")], at_most=3)
    assert time.monotonic() - started < 0.6  # three 0.3 s calls at once, not 0.9 s
    assert first[0] == "a" and third[0] == "c"
    assert isinstance(second, ValueError) and str(second) == "b refused"
    assert first[1] != threading.get_ident()


@pytest.mark.django_db(transaction=True)
def test_at_most_so_many_run_at_once() -> None:
    started = time.monotonic()
    side_by_side([_slow(str(n)) for n in range(4)], at_most=2)
    assert time.monotonic() - started >= 0.55  # two rounds of two


@pytest.mark.django_db
def test_inside_a_transaction_they_run_one_after_the_other_here() -> None:
    """Another thread's connection could not see what the transaction wrote."""
    outcomes = side_by_side([_slow("a", fail=True), _slow("b")], at_most=2)
    assert isinstance(outcomes[0], ValueError)  # and the next call still ran
    assert outcomes[1] == ("b", threading.get_ident())


@pytest.mark.django_db(transaction=True)
def test_a_call_beside_runs_while_the_caller_works_on() -> None:
    started = time.monotonic()
    read = Beside(_slow("members"))
    time.sleep(0.3)  # the caller's own work meanwhile
    value, thread = read.result()
    assert time.monotonic() - started < 0.55  # 0.3 s each, at the same time
    assert (value, thread != threading.get_ident()) == ("members", True)


@pytest.mark.django_db(transaction=True)
def test_what_the_call_beside_raised_is_raised_by_result() -> None:
    read = Beside(_slow("members", fail=True))
    with pytest.raises(ValueError, match="members refused"):
        read.result()


@pytest.mark.django_db
def test_inside_a_transaction_the_call_beside_runs_at_once_here() -> None:
    read = Beside(_slow("members"))
    assert read.result() == ("members", threading.get_ident())


class Pages:
    """Pages 0, 1, 2, ... (raising at ``fail_at``), noting which thread made each."""

    def __init__(self, count: int, fail_at: int | None = None) -> None:
        self.count, self.fail_at = count, fail_at
        self.made: list[int] = []
        self.threads: set[int] = set()
        self.third_made = threading.Event()

    def __iter__(self):
        for n in range(self.count):
            if n == self.fail_at:
                raise ValueError(f"page {n} refused")
            self.made.append(n)
            self.threads.add(threading.get_ident())
            if n == 2:
                self.third_made.set()
            yield n


@pytest.mark.django_db(transaction=True)
def test_read_ahead_reads_on_while_the_caller_works_but_no_further_than_its_depth() -> None:
    pages = Pages(20)
    reading = read_ahead(iter(pages), depth=2)
    assert next(reading) == 0
    # the caller still works on page 0: the reader has gone on meanwhile...
    assert pages.third_made.wait(5)
    time.sleep(0.3)
    # ...two pages ahead, and one more in hand waiting for room
    assert pages.made == [0, 1, 2, 3]
    assert list(reading) == list(range(1, 20))
    assert threading.get_ident() not in pages.threads


@pytest.mark.django_db(transaction=True)
def test_read_ahead_raises_what_the_read_raised_where_its_page_would_have_been() -> None:
    reading = read_ahead(iter(Pages(5, fail_at=2)), depth=3)
    assert [next(reading), next(reading)] == [0, 1]
    with pytest.raises(ValueError, match="page 2 refused"):
        next(reading)


@pytest.mark.django_db(transaction=True)
def test_a_caller_that_stops_early_stops_the_read() -> None:
    pages = Pages(1000)
    reading = read_ahead(iter(pages), depth=2)
    assert next(reading) == 0
    reading.close()
    made = len(pages.made)
    time.sleep(0.3)
    assert len(pages.made) == made <= 4
    assert not [t for t in threading.enumerate() if t.name == "read-ahead"]


@pytest.mark.django_db
def test_read_ahead_inside_a_transaction_reads_in_the_callers_thread() -> None:
    pages = Pages(3)
    assert list(read_ahead(iter(pages), depth=2)) == [0, 1, 2]
    assert pages.threads == {threading.get_ident()}
