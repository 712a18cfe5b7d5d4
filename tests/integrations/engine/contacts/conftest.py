"""Contact sync tests use the shared sandbox sides (``tests/sides.py``)."""

import pytest

from integrations.connections import hubspot_client
from integrations.pages.contacts.services import inclusion_list_choose
from tests.compare import contacts_compare, salesforce_people
from tests.outcomes import assert_counts_add_up, records_counted_twice
from tests.sides import (  # noqa: F401  (re-exported for the tests' imports)
    HubSpotSide,
    SalesforceSide,
    connected,
    contact_options,
    hubspot,
    person,
    run_sync,
    salesforce,
)


@pytest.fixture
def vips(hubspot: HubSpotSide) -> tuple[list[str], list[str]]:  # noqa: F811
    """600 contacts in id order, two in three of them VIPs, and the VIPs' list chosen as
    the inclusion list: (members' emails, the others')."""
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
    return members, others


def assert_each_vip_synced_once(
    job,
    hubspot: HubSpotSide,  # noqa: F811
    salesforce: SalesforceSide,  # noqa: F811
    members: list[str],
    others: list[str],
) -> None:
    """After a full read of the ``vips`` portal: each member synced once (counted once,
    one Salesforce record), the others left out as not in the list, nothing else."""
    assert job.skipped_reasons == {"not_in_list": len(others)}
    assert_counts_add_up(job)
    assert records_counted_twice(job) == []
    assert sorted(p["Email"] for p in salesforce_people(salesforce)) == sorted(members)
    # the contacts outside the list are the only ones without a Salesforce record
    comparison = contacts_compare(hubspot, salesforce)
    assert (sorted(comparison.unlinked), comparison.duplicated) == (sorted(others), 0)
