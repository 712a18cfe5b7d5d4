"""SPEC §4b time windows: which HubSpot activities a newly enabled type syncs.

Measured from the moment the type was turned on:

- sales emails, tasks, meetings, notes, calls, document views, integration
  events: only those that happen after it **and** after the contact was first
  synced; never retroactive;
- marketing email events: from the 30 days before it, once the contact has synced;
- form submissions: from the year before it, once the contact has synced.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from integrations.rules.activity_types import (
    AFTER_TOGGLE,
    ONE_YEAR_BEFORE,
    THIRTY_DAYS_BEFORE,
    TimelineType,
)

LOOK_BACK = {
    AFTER_TOGGLE: timedelta(0),
    THIRTY_DAYS_BEFORE: timedelta(days=30),
    ONE_YEAR_BEFORE: timedelta(days=365),
}


def window_start(kind: TimelineType, enabled_at: datetime) -> datetime:
    """The oldest moment an activity of ``kind`` may have happened and still sync."""
    return enabled_at - LOOK_BACK[kind.window]


def in_window(
    kind: TimelineType,
    *,
    occurred_at: datetime,
    enabled_at: datetime,
    contact_first_synced_at: datetime | None,
) -> bool:
    """Does an activity that happened at ``occurred_at`` sync (once its contact has)?"""
    if occurred_at < window_start(kind, enabled_at):
        return False
    if kind.window == AFTER_TOGGLE and contact_first_synced_at is not None:
        return occurred_at >= contact_first_synced_at
    return True
