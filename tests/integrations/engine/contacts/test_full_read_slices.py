"""A big full read is shared out: the run reads its first page, then units read the rest
of HubSpot's contacts in id slices, each applying the inclusion list's members in its
slice. Nothing may be lost between slices, read twice, or let past the list."""

from __future__ import annotations

import pytest

from core.models import JobUnit
from integrations.connections import hubspot_client
from integrations.engine.contacts.units import SLICE_HANDLER
from integrations.pages.contacts.services import inclusion_list_choose
from tests.compare import salesforce_people
from tests.integrations.engine.contacts.conftest import person, run_sync
from tests.outcomes import assert_counts_add_up, records_counted_twice

pytestmark = pytest.mark.django_db

UNIT = 40


def test_a_big_full_read_is_read_by_units_in_slices_and_keeps_to_the_list(
    settings, hubspot, salesforce
) -> None:
    settings.SYNC_UNIT_RECORDS = UNIT
    members, others = [], []
    for start in range(0, 600, 100):
        batch = []
        for i in range(start, start + 100):
            vip = i % 3 != 0
            (members if vip else others).append(f"c{i}@example.com")
            batch.append(person(f"c{i}@example.com", jobtitle="VIP" if vip else "Other"))
        hubspot.create_contacts(*batch)
    inclusion_list_choose(
        actor=None, list_id=hubspot.create_list("VIPs", jobtitle="VIP"), hubspot=hubspot_client()
    )

    job = run_sync("all")

    slices = JobUnit.objects.filter(job=job, handler=SLICE_HANDLER)
    # the first page (200) is the run's; the other 400 contacts go out in slices of ~40
    assert slices.count() == 400 // UNIT
    assert (job.created, job.failed) == (len(members), 0)
    assert job.skipped_reasons == {"not_in_list": len(others)}
    assert_counts_add_up(job)
    assert records_counted_twice(job) == []
    # Salesforce has each member once and no one outside the list
    emails = sorted(p["Email"] for p in salesforce_people(salesforce))
    assert emails == sorted(members)
    # the cursor knows every contact the slices read: nothing changed, nothing is seen
    again = run_sync("incremental")
    assert (again.seen, again.created) == (0, 0)
