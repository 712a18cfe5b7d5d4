"""A big full read is shared out: units pull the Salesforce mirror and read HubSpot's
contacts in id slices, each applying the inclusion list's members in its slice, which
the run posts as it reads the list. Nothing may be lost between slices, read twice, or
let past the list."""

from __future__ import annotations

import pytest

from core.models import JobUnit
from integrations.engine.contacts import units as contact_units
from integrations.engine.contacts.mirror import salesforce_cursor_name
from integrations.engine.contacts.units import MIRROR_HANDLER, SLICE_HANDLER
from integrations.engine.cursors import cursor_get
from integrations.hubspot.streams import IdSpan
from integrations.models import ContactLink
from integrations.vendor_time import vendor_time
from tests.compare import contacts_compare, salesforce_people
from tests.integrations.engine.contacts.conftest import person, run_sync
from tests.outcomes import assert_counts_add_up, records_counted_twice

pytestmark = pytest.mark.django_db

UNIT = 40


def test_a_big_full_read_is_read_by_units_in_slices_and_keeps_to_the_list(
    settings, vips, salesforce
) -> None:
    settings.SYNC_UNIT_RECORDS = UNIT
    settings.SYNC_PAGED_READ_SHARE = 0  # every id searched (test_paged_read.py: the rest)
    members, others = vips

    job = run_sync("all")

    slices = JobUnit.objects.filter(job=job, handler=SLICE_HANDLER)
    # every contact goes out in slices of ~40, the last two in halves (the first workers
    # done share the end); the leads and the contacts are pulled apart
    assert slices.count() == 600 // UNIT + contact_units.TAPERED_SLICES
    assert JobUnit.objects.filter(job=job, handler=MIRROR_HANDLER).count() == 2
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


def test_the_last_slices_of_a_read_are_half_as_wide_and_all_cover_the_span() -> None:
    span = IdSpan(first=101, last=1100)

    slices = contact_units.tapered_slices(span, 5)

    widths = [up_to - above for above, up_to in slices[:-1]]
    assert widths == [200, 200, 200, 100, 100, 100]  # and the last half, open-ended
    assert len(slices) == 5 + contact_units.TAPERED_SLICES
    assert slices[0][0] == span.first - 1 and slices[-1][1] is None
    assert all(a[1] == b[0] for a, b in zip(slices, slices[1:], strict=False))  # no gap
    # a read of no more slices than that is not cut finer
    assert contact_units.tapered_slices(span, 2) == span.slices(2)


@pytest.mark.parametrize("at_most", [8, 3])
def test_the_echo_of_many_salesforce_writes_is_pulled_by_units_in_time_ranges(
    at_most, settings, monkeypatch, connected, hubspot, salesforce
) -> None:
    """A run that wrote more than a query page of records to Salesforce pulls them back
    (its echo) in time ranges, side by side, in at most ``ECHO_UNITS_AT_MOST`` units per
    object;
    afterwards the Salesforce cursor is past its writes, so the next run reads none of
    them again."""
    settings.SYNC_UNIT_RECORDS = UNIT
    monkeypatch.setattr(contact_units, "ECHO_RECORDS", 30)
    monkeypatch.setattr(contact_units, "ECHO_UNITS_AT_MOST", at_most)
    for start in range(0, 200, 100):
        hubspot.create_contacts(*(person(f"e{i}@example.com") for i in range(start, start + 100)))

    job = run_sync("all")

    assert job.created == 200
    echoes = JobUnit.objects.filter(job=job, handler=contact_units.ECHO_HANDLER)
    # the leads' in ranges cut where the writes were (test_echo_cuts.py), no more than
    # at_most; the contacts' (none written) in one, beside them
    pulled = [object_type for unit in echoes for object_type in unit.result["echo"]]
    assert 1 < pulled.count("Lead") <= at_most
    assert pulled.count("Contact") == 1
    leads = salesforce.query("SELECT Id, SystemModstamp FROM Lead")
    newest = max(vendor_time(lead["SystemModstamp"]) for lead in leads)
    assert vendor_time(cursor_get(salesforce_cursor_name("Lead"))) == newest
    connected.salesforce.control("POST", "calls/reset")
    again = run_sync("incremental")
    assert again.seen == 0
    queries = connected.salesforce.calls()["by_endpoint"]
    # one query per object, each answering at most the newest record again: no page more
    assert sum(n for key, n in queries.items() if "query" in key.lower()) == 2


def test_a_big_slice_syncs_what_it_read_before_a_later_page_fails(
    settings, sandbox, hubspot, salesforce
) -> None:
    """A slice of many units' worth syncs its contacts a unit's worth at a time as it
    reads them (it holds only the ones still to create): when HubSpot refuses its third
    page, the contacts of the first two are already linked and synced, and the next run
    links the rest without writing anything twice."""
    settings.SYNC_UNIT_RECORDS = 100
    settings.SYNC_BULK_READ_ABOVE = 300
    settings.SYNC_BULK_READ_SLICES = 1  # one slice of 450: pages of 200, 200 and 50
    emails = [f"s{i}@example.com" for i in range(450)]
    leads = [{"LastName": f"Lead {i}", "Company": "Acme", "Email": e} for i, e in enumerate(emails)]
    assert all(r.success for r in salesforce.sf.create("Lead", leads))
    for start in range(0, 450, 100):
        hubspot.create_contacts(*(person(e) for e in emails[start : start + 100]))
    # the run's three planning searches and the slice's first two pages get through
    sandbox.hubspot.fault(method="POST", path="/crm/v3/objects/contacts/search", skip=5, status=400)

    failed = run_sync("all", expect="failed")

    assert JobUnit.objects.filter(job=failed, handler=SLICE_HANDLER).count() == 1
    assert failed.linked == 400
    assert ContactLink.objects.count() == 400
    assert_counts_add_up(failed)

    rerun = run_sync("all")
    assert (rerun.linked, rerun.created) == (50, 0)
    assert ContactLink.objects.count() == 450
    assert len(salesforce_people(salesforce)) == 450
    assert_counts_add_up(rerun)
    comparison = contacts_compare(hubspot, salesforce)
    assert (comparison.lost, comparison.duplicated) == (0, 0)


def test_a_full_read_too_small_to_share_out_still_has_the_mirror_pulled_by_units(
    settings, hubspot, salesforce
) -> None:
    """The mirror units are planned before the read is (other workers pull it while the
    run plans); a read of no more than a unit then waits for them and syncs itself."""
    settings.SYNC_UNIT_RECORDS = UNIT
    hubspot.create_contacts(*(person(f"s{i}@example.com") for i in range(30)))
    salesforce.create("Lead", LastName="Early", Email="s3@example.com", Company="X")

    job = run_sync("all")

    assert JobUnit.objects.filter(job=job, handler=MIRROR_HANDLER).count() == 2
    assert JobUnit.objects.filter(job=job, handler=SLICE_HANDLER).count() == 0
    # the lead already there was found in the mirror: linked, not created again
    assert (job.created, job.failed) == (29, 0)
    assert_counts_add_up(job)
    assert sorted(p["Email"] for p in salesforce_people(salesforce)) == sorted(
        f"s{i}@example.com" for i in range(30)
    )
