"""Vendor calls sent side by side: every call runs, each outcome comes back in order,
and inside a transaction they run one after the other in the caller's thread."""

from __future__ import annotations

import threading
import time

import pytest

from integrations.http.side_by_side import Beside, side_by_side


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
