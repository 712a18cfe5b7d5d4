"""A full read uses both of HubSpot's limits: one unit pages the lowest ids through the
contact listing (190 calls per 10 seconds) while slices search the rest (5 searches
per second). Whatever HubSpot does meanwhile, each contact is read by exactly one of
them: nothing lost, nothing synced twice, nothing let past the inclusion list."""

from __future__ import annotations

import threading
import time

import pytest

from core.models import JobUnit
from integrations.engine.contacts.units import PAGED_HANDLER, SLICE_HANDLER, TAPERED_SLICES
from integrations.models import ContactLink
from tests.compare import contacts_compare
from tests.integrations.engine.contacts.conftest import (
    assert_each_vip_synced_once,
    person,
    run_sync,
)
from tests.outcomes import assert_counts_add_up, records_counted_twice

pytestmark = pytest.mark.django_db

UNIT = 40
LISTING = "GET /crm/v3/objects/contacts"
SEARCH = "POST /crm/v3/objects/contacts/search"


@pytest.fixture(autouse=True)
def paged(settings) -> None:
    settings.SYNC_UNIT_RECORDS = UNIT
    settings.SYNC_PAGED_READ_SHARE = 0.3


def calls(sandbox, endpoint: str) -> int:
    return sandbox.hubspot.calls()["by_endpoint"].get(endpoint, 0)


def test_the_lowest_ids_are_paged_through_the_listing_and_the_rest_searched(
    sandbox, vips, hubspot, salesforce
) -> None:
    members, others = vips
    sandbox.hubspot.control("POST", "calls/reset")

    job = run_sync("all")

    assert JobUnit.objects.filter(job=job, handler=PAGED_HANDLER).count() == 1
    # 180 contacts of 600 in pages of 100 (the last one reaching past the range)
    assert calls(sandbox, LISTING) == 2
    # the slices search the other 420 in slices of 40, the last two in halves; three
    # searches plan the read
    slices = -(-420 // UNIT) + TAPERED_SLICES
    assert JobUnit.objects.filter(job=job, handler=SLICE_HANDLER).count() == slices
    assert calls(sandbox, SEARCH) == 3 + slices
    assert job.created == len(members)
    assert_each_vip_synced_once(job, hubspot, salesforce, members, others)
    # the cursor knows every contact the units read: nothing changed, nothing is seen
    again = run_sync("incremental")
    assert (again.seen, again.created) == (0, 0)


def test_contacts_that_change_while_the_listing_pages_are_neither_lost_nor_read_twice(
    sandbox, vips, hubspot, salesforce
) -> None:
    """While the listing's second page is slow to come, a contact of the first page
    changes its title, one of the second is archived and a new member is created (its
    id is past every range but the last slice's, which is open-ended)."""
    members, others = vips
    first_page = hubspot.call("GET", "/crm/v3/objects/contacts?limit=100")["results"]
    changed = first_page[5]["id"]
    second = hubspot.call(
        "GET", f"/crm/v3/objects/contacts?limit=100&after={first_page[-1]['id']}"
    )["results"]
    archived = second[10]
    sandbox.hubspot.control("POST", "calls/reset")
    sandbox.hubspot.fault(method="GET", path="/crm/v3/objects/contacts", skip=1, latency_ms=1500)

    def meanwhile() -> None:
        deadline = time.monotonic() + 30
        while calls(sandbox, LISTING) < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        hubspot.call(
            "PATCH", f"/crm/v3/objects/contacts/{changed}", {"properties": {"phone": "555"}}
        )
        hubspot.call("DELETE", f"/crm/v3/objects/contacts/{archived['id']}")
        hubspot.create_contacts(person("late@example.com", jobtitle="VIP"))

    editor = threading.Thread(target=meanwhile)
    editor.start()
    job = run_sync("all")
    editor.join()

    assert calls(sandbox, LISTING) >= 2
    gone = archived["properties"]["email"]
    # the next run picks up whatever the first could not have seen; then both sides agree
    run_sync("incremental")
    expected = sorted({*members, "late@example.com"} - {gone})
    linked = sorted(ContactLink.objects.values_list("email", flat=True))
    assert [e for e in linked if e != gone] == expected
    assert sorted(linked) == sorted(set(linked))
    [edited] = salesforce.people(first_page[5]["properties"]["email"])
    assert edited["Phone"] == "555"
    assert_counts_add_up(job)
    assert records_counted_twice(job) == []
    comparison = contacts_compare(hubspot, salesforce)
    assert (sorted(comparison.unlinked), comparison.duplicated) == (sorted(set(others) - {gone}), 0)


def test_a_listing_out_of_id_order_is_read_again_by_search(
    sandbox, vips, hubspot, salesforce
) -> None:
    """HubSpot pages its listing by id, but does not document it: should a page come
    out of order after the first was synced, a search slice reads the paged range again,
    and what the first page synced counts once."""
    members, others = vips
    first_page = hubspot.call("GET", "/crm/v3/objects/contacts?limit=100")["results"]
    # the second page goes back to ids the first one already had
    sandbox.hubspot.fault(
        method="GET",
        path="/crm/v3/objects/contacts",
        skip=1,
        status=200,
        body={"results": first_page[50:], "paging": {"next": {"after": first_page[-1]["id"]}}},
    )

    job = run_sync("all")

    assert JobUnit.objects.filter(job=job, handler=PAGED_HANDLER).count() == 1
    # besides the slices of the searched ids, the paged range's (which shares itself out)
    assert JobUnit.objects.filter(job=job, handler=SLICE_HANDLER).count() > -(-420 // UNIT)
    assert job.created == len(members)
    assert_each_vip_synced_once(job, hubspot, salesforce, members, others)
