"""Slicing a list into the batches a vendor takes: one definition for every caller."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import TypeVar

T = TypeVar("T")


def chunks(items: Iterable[T], size: int) -> Iterator[Sequence[T]]:
    """``items`` in consecutive slices of at most ``size``, in order: slices of a
    sequence, lists drawn from any other iterable as they are needed (a query's rows are
    never all held at once)."""
    if size < 1:
        raise ValueError(f"chunk size must be at least 1, not {size}")
    if isinstance(items, Sequence):
        for start in range(0, len(items), size):
            yield items[start : start + size]
        return
    rows = iter(items)
    while batch := list(islice(rows, size)):
        yield batch
