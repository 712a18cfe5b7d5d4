"""Registry of what the Overview page shows beyond the platform's own figures.

The platform draws the page's shell, its job tables and its activity chart; each
capability registers a *part*: a function that returns template context for its cards
(connections, counters, API usage). A part registered ``live`` is also in the fragment
the page polls; the others are on the full page only. Parts register at app start-up
(an ``AppConfig.ready()``), the way job kinds do (``core/job_kinds.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

OverviewPart = Callable[[], dict[str, object]]


class ChartActions(NamedTuple):
    """The audit actions the Overview's chart counts: records written, records failed."""

    synced: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()


_chart = ChartActions()

#: part -> whether it is live; registering the same function twice keeps one
_PARTS: dict[OverviewPart, bool] = {}


def register_overview_part(part: OverviewPart, *, live: bool) -> OverviewPart:
    _PARTS[part] = live
    return part


def overview_parts_context(*, live_only: bool) -> dict[str, object]:
    """Every registered part's context, in the order they registered (the live ones
    only when ``live_only``, for the polled fragment)."""
    context: dict[str, object] = {}
    for part, live in _PARTS.items():
        if live or not live_only:
            context.update(part())
    return context


def register_chart_actions(*, synced: Sequence[str], failed: Sequence[str]) -> None:
    """Which audit actions mean "a record was written by the sync" and "a record failed":
    the platform's chart counts them per day without knowing what they are."""
    global _chart
    _chart = ChartActions(
        synced=tuple(dict.fromkeys((*_chart.synced, *synced))),
        failed=tuple(dict.fromkeys((*_chart.failed, *failed))),
    )


def chart_actions() -> ChartActions:
    return _chart
