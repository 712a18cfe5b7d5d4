"""SPEC §4b time windows, edge by edge, with a fixed clock (no "now").

Measured from the moment a type was turned on:
- sales emails, tasks, meetings, notes, calls, document views, integration events:
  only after it **and** after the contact's first sync; never retroactive;
- marketing email events (sent / opened / clicked): from the 30 days before it;
- form submissions: from the one year (365 days) before it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from integrations.rules.activity_types import HUBSPOT_TO_SALESFORCE, TIMELINE_BY_KEY
from integrations.rules.timeline_windows import in_window, window_start

TOGGLED_ON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
TICK = timedelta(microseconds=1)

#: how far back each of the 14 HubSpot types reaches, written from SPEC §4b
LOOK_BACK_DAYS = {
    "form_submission": 365,
    "marketing_email_sent": 30,
    "marketing_email_opened": 30,
    "marketing_email_clicked": 30,
    "sales_email_sent": 0,
    "sales_email_opened": 0,
    "sales_email_clicked": 0,
    "sales_email_replied": 0,
    "meeting_booked": 0,
    "call_logged": 0,
    "note_created": 0,
    "document_viewed": 0,
    "task_created": 0,
    "integration_event": 0,
}
RETROACTIVE = [key for key, days in LOOK_BACK_DAYS.items() if days]
AFTER_TOGGLE_ONLY = [key for key, days in LOOK_BACK_DAYS.items() if not days]


def syncs(key: str, occurred_at: datetime, first_synced: datetime | None = None) -> bool:
    return in_window(
        TIMELINE_BY_KEY[key],
        occurred_at=occurred_at,
        enabled_at=TOGGLED_ON,
        contact_first_synced_at=first_synced,
    )


def test_the_table_states_a_window_for_each_of_the_14_types() -> None:
    assert [kind.key for kind in HUBSPOT_TO_SALESFORCE] == list(LOOK_BACK_DAYS)


@pytest.mark.parametrize(("key", "days"), LOOK_BACK_DAYS.items())
def test_each_type_reaches_back_exactly_its_window(key: str, days: int) -> None:
    start = TOGGLED_ON - timedelta(days=days)
    assert window_start(TIMELINE_BY_KEY[key], TOGGLED_ON) == start
    long_ago = TOGGLED_ON - timedelta(days=800)
    assert syncs(key, start, first_synced=long_ago)  # the edge itself is inside
    assert not syncs(key, start - TICK, first_synced=long_ago)  # one tick older is not
    assert syncs(key, start + TICK, first_synced=long_ago)


@pytest.mark.parametrize("key", RETROACTIVE)
def test_marketing_and_form_history_is_not_cut_by_the_contacts_first_sync(key: str) -> None:
    """A contact first synced yesterday still gets its 30 days / year of history."""
    yesterday = TOGGLED_ON - timedelta(days=1)
    a_week_before = TOGGLED_ON - timedelta(days=7)
    assert syncs(key, a_week_before, first_synced=yesterday)
    assert syncs(key, a_week_before, first_synced=None)


@pytest.mark.parametrize("key", AFTER_TOGGLE_ONLY)
def test_sales_activities_wait_for_the_contacts_first_sync_after_the_toggle(key: str) -> None:
    first_synced = TOGGLED_ON + timedelta(hours=2)
    assert syncs(key, first_synced, first_synced=first_synced)  # at the first sync: goes
    assert not syncs(key, first_synced - TICK, first_synced=first_synced)
    assert syncs(key, first_synced + TICK, first_synced=first_synced)
    # before the toggle, an earlier first sync does not make it retroactive
    assert not syncs(key, TOGGLED_ON - TICK, first_synced=TOGGLED_ON - timedelta(days=3))


@pytest.mark.parametrize("key", AFTER_TOGGLE_ONLY)
def test_sales_activities_of_a_contact_never_synced_go_from_the_toggle(key: str) -> None:
    """The contact's first sync is not known yet (it syncs in this run): the toggle decides."""
    assert syncs(key, TOGGLED_ON, first_synced=None)
    assert not syncs(key, TOGGLED_ON - TICK, first_synced=None)


@pytest.mark.parametrize(
    ("key", "days", "goes"),
    [
        ("form_submission", 365, True),
        ("form_submission", 364, True),
        ("form_submission", 366, False),
        ("marketing_email_opened", 30, True),
        ("marketing_email_opened", 29, True),
        ("marketing_email_opened", 31, False),
    ],
)
def test_whole_days_around_the_edges(key: str, days: int, goes: bool) -> None:
    """365 and 30 days before the toggle are the last days that sync; 366 and 31 do not."""
    occurred = TOGGLED_ON - timedelta(days=days)
    assert syncs(key, occurred) is goes
    assert syncs(key, occurred - timedelta(hours=1)) is (days < LOOK_BACK_DAYS[key])
