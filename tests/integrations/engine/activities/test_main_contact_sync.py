"""SPEC §4b end to end: the main contact of an activity on several contacts when
HubSpot gave some or none of them a creation date."""

import pytest

from core.models import SyncJob
from integrations.models import ContactLink
from tests.integrations.engine.activities.conftest import (
    enable,
    now,
    run_activities,
    seed,
    tasks_of,
    timedelta,
)
from tests.integrations.engine.activities.test_activity_sync import note

pytestmark = pytest.mark.django_db


def activities() -> SyncJob:
    job = run_activities()
    assert job.status == SyncJob.Status.SUCCEEDED, job.error
    return job


def test_without_creation_dates_an_activity_goes_to_the_highest_hubspot_id(
    hubspot, salesforce, synced
) -> None:
    ann, bob = synced["ann@example.com"], synced["bob@example.com"]
    ContactLink.objects.filter(pk__in=[ann.pk, bob.pk]).update(hubspot_created_at=None)
    highest, other = sorted((ann, bob), key=lambda link: int(link.hubspot_id), reverse=True)
    enable("note_created")
    seed(hubspot, note([ann.hubspot_id, bob.hubspot_id], now() + timedelta(seconds=1)))

    assert activities().created == 1

    assert [t["Subject"] for t in tasks_of(salesforce, highest.salesforce_id)] == [
        "Note: Discussed pricing"
    ]
    assert tasks_of(salesforce, other.salesforce_id) == []


def test_a_contact_with_a_creation_date_wins_over_a_higher_id_without_one(
    hubspot, salesforce, synced
) -> None:
    ann, bob = synced["ann@example.com"], synced["bob@example.com"]
    lower, higher = sorted((ann, bob), key=lambda link: int(link.hubspot_id))
    ContactLink.objects.filter(pk=higher.pk).update(hubspot_created_at=None)
    ContactLink.objects.filter(pk=lower.pk).update(hubspot_created_at=now() - timedelta(days=30))
    enable("note_created")
    seed(hubspot, note([higher.hubspot_id, lower.hubspot_id], now() + timedelta(seconds=1)))

    assert activities().created == 1

    assert len(tasks_of(salesforce, lower.salesforce_id)) == 1
    assert tasks_of(salesforce, higher.salesforce_id) == []
