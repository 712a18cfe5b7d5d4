"""Salesforce describes are kept in the database: jobs reuse them for a day, pages read
them live and store them, and a field or picklist value Salesforce refuses drops them.

Real HTTP against the sandbox; the cache's clock is injected (no sleeps)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from core.models import SyncJob
from integrations.models import RecordError, SalesforceDescribe
from integrations.salesforce.caching import describe_essentials
from integrations.salesforce.describe_cache import DbDescribeStore
from tests.factories import PropertyMappingFactory
from tests.integrations.salesforce.conftest import calls, login, reset_calls
from tests.sandbox import Sandbox
from tests.sides import HubSpotSide, SalesforceSide, person, run_sync

pytestmark = pytest.mark.django_db


def describes(sandbox: Sandbox) -> int:
    return calls(sandbox, "GET", "/describe")


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_a_describe_is_reused_until_its_max_age_then_fetched_again(sandbox: Sandbox) -> None:
    clock = Clock()
    store = DbDescribeStore(max_age_s=86_400, clock=clock)
    login(sandbox, describes=store).describe("Lead")
    reset_calls(sandbox)

    clock.now += timedelta(hours=23, minutes=59)
    kept = login(sandbox, describes=store).describe("Lead")
    assert describes(sandbox) == 0
    assert any(f["name"] == "Company" for f in kept["fields"])

    clock.now += timedelta(minutes=2)
    login(sandbox, describes=store).describe("Lead")
    assert describes(sandbox) == 1
    assert SalesforceDescribe.objects.get(object_type="Lead").fetched_at == clock.now


def test_a_job_describes_again_once_the_setting_s_max_age_has_passed(
    connected: Sandbox, hubspot: HubSpotSide, settings
) -> None:
    settings.SALESFORCE_DESCRIBE_MAX_AGE_S = 3600
    run_sync("all")
    SalesforceDescribe.objects.update(fetched_at=datetime.now(UTC) - timedelta(seconds=3601))
    reset_calls(connected)

    run_sync()

    assert describes(connected) == 2


def test_a_picklist_value_added_in_salesforce_shows_on_the_page_at_once_and_is_stored(
    connected: Sandbox, admin_web
) -> None:
    assert "Demo" not in admin_web.get(reverse("activities")).content.decode()
    assert SalesforceDescribe.objects.filter(object_type="Task").exists()
    connected.salesforce.control("PUT", "picklists/Task/Type", {"values": ["Call", "Demo"]})
    reset_calls(connected)

    page = admin_web.get(reverse("activities")).content.decode()

    assert "Demo" in page
    assert describes(connected) == 1  # pages read live
    stored = SalesforceDescribe.objects.get(object_type="Task").describe
    [task_type] = [f for f in stored["fields"] if f["name"] == "Type"]
    assert [v["value"] for v in task_type["picklistValues"]] == ["Call", "Demo"]


def test_the_mappings_page_stores_what_it_read_for_the_next_run(
    connected: Sandbox, hubspot: HubSpotSide, admin_web
) -> None:
    assert admin_web.get(reverse("contacts_mappings")).status_code == 200
    assert SalesforceDescribe.objects.filter(object_type__in=["Lead", "Contact"]).count() == 2
    reset_calls(connected)

    run_sync("all")

    assert describes(connected) == 0


def test_a_field_deleted_in_salesforce_fails_one_run_with_its_error_and_the_next_describes_again(
    connected: Sandbox, hubspot: HubSpotSide, salesforce: SalesforceSide
) -> None:
    hubspot.create_contacts(person("ann@example.com", jobtitle="CEO"))
    assert run_sync("all").status == SyncJob.Status.SUCCEEDED
    # the admin mapped a custom field that was then deleted in Salesforce, while the
    # stored describe still lists it
    PropertyMappingFactory(hubspot_property="ghost", salesforce_field="Ghost__c")
    for row in SalesforceDescribe.objects.all():
        row.describe["fields"].append({"name": "Ghost__c", "type": "string", "updateable": True})
        row.save()
    hubspot.create_contacts(person("bob@example.com"))

    failed = run_sync(expect=SyncJob.Status.FAILED)

    assert "INVALID_FIELD" in failed.error and "Ghost__c" in failed.error
    assert not SalesforceDescribe.objects.exists()
    reset_calls(connected)

    again = run_sync()

    assert again.status == SyncJob.Status.SUCCEEDED, again.error
    assert describes(connected) == 2
    assert salesforce.people("bob@example.com")


@pytest.mark.parametrize(
    "code", ["INVALID_FIELD_FOR_INSERT_UPDATE", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"]
)
def test_a_record_refused_for_its_describe_drops_it_and_syncs_on_the_next_run(
    connected: Sandbox, hubspot: HubSpotSide, salesforce: SalesforceSide, code: str
) -> None:
    run_sync("all")
    hubspot.create_contacts(person("ann@example.com"))
    connected.salesforce.fault(
        method="POST",
        path="*/composite/sobjects",
        record_errors={0: {"statusCode": code, "message": "Salesforce refused it"}},
    )

    first = run_sync(expect=SyncJob.Status.PARTIALLY_FAILED)

    assert first.failed == 1 and RecordError.objects.get().vendor_code == code
    # new contacts are created as leads: the Lead describe is dropped, Contact's kept
    assert list(SalesforceDescribe.objects.values_list("object_type", flat=True)) == ["Contact"]
    reset_calls(connected)

    second = run_sync()

    assert second.status == SyncJob.Status.SUCCEEDED, second.error
    assert describes(connected) == 1  # Lead's, described again
    assert salesforce.people("ann@example.com") and not RecordError.objects.exists()


def test_only_what_the_product_reads_is_stored() -> None:
    described = describe_essentials(
        {
            "name": "Task",
            "label": "Task",
            "childRelationships": [{"x": 1}],
            "fields": [
                {
                    "name": "Type",
                    "label": "Type",
                    "type": "picklist",
                    "createable": True,
                    "inlineHelpText": "long text",
                    "picklistValues": [
                        {"value": "Call", "label": "Call", "active": True, "validFor": "AAA"}
                    ],
                }
            ],
        }
    )

    assert described == {
        "name": "Task",
        "label": "Task",
        "fields": [
            {
                "name": "Type",
                "label": "Type",
                "type": "picklist",
                "createable": True,
                "picklistValues": [{"value": "Call", "label": "Call", "active": True}],
            }
        ],
    }
