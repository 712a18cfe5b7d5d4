"""Vendor calls sent side by side from one worker, or beside the worker's other work.

A unit's Salesforce writes are collections of 200 records, each more than a second of
Salesforce's time; sent one after the other they are most of a unit's time, while the
worker only waits. ``side_by_side`` sends such calls from a few threads and hands back
each one's outcome in order (its result, or the exception it raised), so the caller
books them one by one as before. Salesforce runs an org's requests concurrently; the
shared rate limits and the budget still gate every attempt.

Each thread uses a database connection of its own for the transport's gates (the job's
ownership, the budget, the connection's state) and closes it when its call ends. Inside
a transaction the calls run one after the other in the caller's thread: another
connection cannot see what the transaction wrote, and a transaction must not stay open
across network waits anyway.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Generic, TypeVar

from django.db import connection, connections

T = TypeVar("T")


def side_by_side(calls: Sequence[Callable[[], T]], *, at_most: int) -> list[T | Exception]:
    """Run ``calls``, at most ``at_most`` at a time; each one's result or exception, in
    order. Every call runs, whatever the others raised."""
    if len(calls) < 2 or at_most < 2 or connection.in_atomic_block:
        return [_outcome(call) for call in calls]
    with ThreadPoolExecutor(max_workers=min(at_most, len(calls))) as pool:
        return list(pool.map(_in_own_thread, calls))


def side_by_side_all(calls: Sequence[Callable[[], Any]], *, at_most: int) -> list[Any]:
    """``side_by_side`` for calls that all must succeed (the reads a plan needs): their
    results in order, or, once every call ended, what the first failed one raised."""
    outcomes = side_by_side(calls, at_most=at_most)
    for outcome in outcomes:
        if isinstance(outcome, Exception):
            raise outcome
    return outcomes


def _outcome(call: Callable[[], T]) -> T | Exception:
    try:
        return call()
    except Exception as exc:  # handed back: the caller books each call's outcome
        return exc


def _in_own_thread(call: Callable[[], T]) -> T | Exception:
    try:
        return _outcome(call)
    finally:
        connections.close_all()


class Beside(Generic[T]):
    """``call`` run in a thread of its own while the worker does other work (a read the
    others wait for, such as the inclusion list's members), with its own database
    connection, closed when it ends. Inside a transaction it runs at once in the
    caller's thread instead (as ``side_by_side``)."""

    def __init__(self, call: Callable[[], T]) -> None:
        self._outcome: T | Exception | None = None
        self._thread: threading.Thread | None = None
        if connection.in_atomic_block:
            self._outcome = _outcome(call)
            return

        def run() -> None:
            self._outcome = _in_own_thread(call)

        self._thread = threading.Thread(target=run, name="beside", daemon=True)
        self._thread.start()

    def result(self) -> T:
        """Wait for the call; its result, or raise what it raised."""
        if self._thread is not None:
            self._thread.join()
        if isinstance(self._outcome, Exception):
            raise self._outcome
        return self._outcome  # type: ignore[return-value]


_END = object()


def read_ahead(pages: Iterator[T], *, depth: int) -> Iterator[T]:
    """``pages`` as they come, read by a thread of its own up to ``depth`` pages ahead of
    the caller: a read that must go page after page (a cursor) goes on while the caller
    works on what it has. Whatever the read raises is raised where its page would have
    been; a caller that stops early stops the read at its next page. Inside a
    transaction the pages are read in the caller's thread (as ``side_by_side``)."""
    if connection.in_atomic_block:
        yield from pages
        return
    ready: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for page in pages:
                if not put(page):
                    return
            put(_END)
        except BaseException as exc:  # handed to the caller at its place
            put(exc)
        finally:
            connections.close_all()

    reader = threading.Thread(target=read, name="read-ahead", daemon=True)
    reader.start()
    try:
        while (item := ready.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        reader.join()
