"""Where an incremental read of HubSpot contacts resumes.

The cursor is the newest ``lastmodifieddate`` a read has synced, with the ids already
handled at exactly that millisecond (an import stamps hundreds of contacts alike, and
a contact could still appear at that millisecond while it is recent). Once that moment
is settled (well before the read began), no contact can appear at it any more: the
cursor moves just past it and forgets the ids, so the next read is one search instead
of re-reading the whole block.
"""

from __future__ import annotations

import pytest

from integrations.engine.contacts import reads
from integrations.hubspot.streams import cursor_ms
from integrations.models import SyncCursor
from tests.integrations.engine.contacts.conftest import person, run_sync

pytestmark = pytest.mark.django_db


def _stored() -> tuple[int, set[str]]:
    moment, handled = reads.hubspot_cursor_get()
    return moment, set(handled)


def _newest(hubspot, ids: list[str]) -> int:
    return max(cursor_ms(hubspot.contact(i, "lastmodifieddate")["lastmodifieddate"]) for i in ids)


def test_a_recent_newest_change_keeps_the_ids_handled_at_it(hubspot, salesforce) -> None:
    ids = hubspot.create_contacts(*(person(f"r{i}@example.com") for i in range(3)))
    run_sync("all")
    moment, handled = _stored()
    assert moment == _newest(hubspot, ids)
    assert handled and handled <= set(ids)


def test_a_settled_newest_change_moves_the_cursor_past_it(
    connected, hubspot, salesforce, monkeypatch
) -> None:
    ids = hubspot.create_contacts(*(person(f"s{i}@example.com") for i in range(3)))
    later = reads.now_ms() + reads.SETTLED_MS + 60_000
    monkeypatch.setattr(reads, "now_ms", lambda: later)
    run_sync("all")
    assert SyncCursor.objects.get(stream=reads.HUBSPOT_CURSOR).value == (
        f"{_newest(hubspot, ids) + 1}:"
    )
    connected.hubspot.control("POST", "calls/reset")
    quiet = run_sync("incremental")
    assert quiet.seen == 0
    by_endpoint = connected.hubspot.calls()["by_endpoint"]
    assert sum(n for key, n in by_endpoint.items() if key.endswith("/search")) == 1
    # a change after the cursor is still read
    hubspot.update_contact(ids[0], firstname="Changed")
    assert run_sync("incremental").seen == 1


def test_an_incremental_read_moves_a_settled_cursor_past_its_last_change(
    hubspot, salesforce, monkeypatch
) -> None:
    hubspot.create_contacts(person("first@example.com"))
    run_sync("all")
    ids = hubspot.create_contacts(*(person(f"n{i}@example.com") for i in range(2)))
    later = reads.now_ms() + reads.SETTLED_MS + 60_000
    monkeypatch.setattr(reads, "now_ms", lambda: later)
    assert run_sync("incremental").created == 2
    assert _stored() == (_newest(hubspot, ids) + 1, set())
