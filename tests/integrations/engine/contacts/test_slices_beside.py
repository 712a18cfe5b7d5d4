"""While the inclusion list's members come slowly (a big list, HubSpot slow to answer),
a slice that has read its range does not sit idle until its members are posted: its
worker starts the next slice beside it, so the searches go on. Never more than two at
once in one worker, and nothing lost or synced twice for it."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from core.models import JobUnit
from integrations.engine.contacts.units import SLICE_HANDLER
from tests.integrations.engine.contacts.conftest import assert_each_vip_synced_once, run_sync

# the units' threads need to see what the run commits
pytestmark = pytest.mark.django_db(transaction=True)

UNIT = 40


class MostSlicesRunning:
    """The most slices seen running at once while the run went on."""

    def __init__(self) -> None:
        self.most = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch)
        self._thread.start()

    def _watch(self) -> None:
        running = JobUnit.objects.filter(handler=SLICE_HANDLER, status=JobUnit.Status.RUNNING)
        while not self._stop.is_set():
            self.most = max(self.most, running.count())
            time.sleep(0.01)
        connection.close()

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.most


def test_a_slice_waiting_for_its_members_starts_the_next_one_beside_itself(
    settings, sandbox, vips, hubspot, salesforce
) -> None:
    settings.SYNC_UNIT_RECORDS = UNIT
    settings.SYNC_PAGED_READ_SHARE = 0
    members, others = vips
    # the list's first page of members (250 of 400) comes two seconds late
    sandbox.hubspot.fault(method="GET", path="/crm/v3/lists/*/memberships", latency_ms=2000)

    watch = MostSlicesRunning()
    job = run_sync("all")
    most = watch.stop()

    # this test's process is the only worker: two slices at once, never three
    assert most == 2
    assert_each_vip_synced_once(job, hubspot, salesforce, members, others)
