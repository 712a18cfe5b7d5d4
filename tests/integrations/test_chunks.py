"""Batches of what a vendor takes: every item once, in order, never more than the size,
whether the items are a list or rows drawn from a query as they come."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from integrations.chunks import chunks


@given(st.lists(st.integers()), st.integers(min_value=1, max_value=50))
def test_every_item_once_in_order_at_most_size_a_batch(items: list[int], size: int) -> None:
    for batches in (list(chunks(items, size)), list(chunks(iter(items), size))):
        assert [item for batch in batches for item in batch] == items
        assert all(0 < len(batch) <= size for batch in batches)
        assert all(len(batch) == size for batch in batches[:-1])


def test_an_iterator_is_drawn_a_batch_at_a_time() -> None:
    drawn = []

    def rows():
        for n in range(10):
            drawn.append(n)
            yield n

    batches = chunks(rows(), 4)
    assert next(batches) == [0, 1, 2, 3] and drawn == [0, 1, 2, 3]
