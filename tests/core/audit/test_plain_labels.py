"""The audit log and its tables show plain labels, not the trail's internal names."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent
from core.plain_labels import action_label, field_label, job_kind_plain, value_label
from core.services.audit import audit_record
from integrations.models import OwnerMapping, SalesforceConnection

pytestmark = pytest.mark.django_db

USER_ID = "005000000000007AAA"


def text(page: str) -> str:
    """The page as a person reads it: tags dropped, entities decoded, spaces collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


@pytest.fixture
def events(admin) -> dict[str, AuditEvent]:
    OwnerMapping.objects.create(
        hubspot_owner_id="77",
        hubspot_name="Grace Hopper",
        hubspot_email="grace@example.com",
        salesforce_user_id=USER_ID,
        salesforce_email="grace@example.com",
    )
    return {
        "settings": audit_record(
            action="settings.changed",
            object_type="settings",
            object_label="Activity sync: Marketing email opened",
            actor=admin,
            changes=[{"field": "task_type", "before": "-- No task type --", "after": "Email"}],
        ),
        "activity": audit_record(
            action="activity.updated",
            object_type="activity",
            object_label="Call with Ada",
            hubspot_id="101",
            salesforce_id="00T000000000001AAA",
            direction=AuditEvent.Direction.HUBSPOT_TO_SALESFORCE,
            changes=[{"field": "OwnerId", "before": "005000000000009AAA", "after": USER_ID}],
        ),
        "rule": audit_record(
            action="settings.changed",
            object_type="settings",
            object_label="Activity sync direction",
            changes=[{"field": "direction", "before": "sf_to_hs", "after": "hs_to_sf"}],
        ),
    }


def test_the_audit_log_shows_labels_instead_of_internal_names(viewer_web: Client, events) -> None:
    page = text(viewer_web.get(reverse("audit_log")).content.decode())
    assert "Task type" in page and "task_type" not in page
    assert "Settings changed" in page and "Activity updated" in page
    assert "settings.changed" not in page and "activity.updated" not in page
    assert "Salesforce → HubSpot HubSpot → Salesforce" in page  # before, after
    assert "hs_to_sf" not in page and "sf_to_hs" not in page


def test_a_salesforce_user_id_shows_the_users_name_when_the_owners_mirror_knows_it(
    viewer_web: Client, events
) -> None:
    page = text(viewer_web.get(reverse("audit_log")).content.decode())
    assert f"Grace Hopper ({USER_ID})" in page
    assert "005000000000009AAA" in page  # unknown to the mirror: the id, as Salesforce shows


def test_the_integration_user_is_named_from_the_connection() -> None:
    SalesforceConnection.objects.update_or_create(
        pk=1,
        defaults={"integration_user_id": "005000000000003AAA", "integration_user_name": "Sync Bot"},
    )
    assert value_label("005000000000003") == "Sync Bot (005000000000003)"


def test_the_filters_offer_labels_and_keep_the_internal_values(viewer_web: Client, events):
    page = viewer_web.get(reverse("audit_log")).content.decode()
    assert '<option value="settings.changed" >Settings changed</option>' in page
    assert '<option value="activity" >Activity</option>' in page


def test_job_kinds_are_labelled_as_registered() -> None:
    assert job_kind_plain("contacts.sync") == "Contact sync"
    assert action_label("contacts.sync") == "Contact sync"
    assert job_kind_plain("activities.sync") == "Activity sync"


def test_record_writes_keep_the_vendors_field_names() -> None:
    assert field_label("LastName", "contact") == "LastName"
    assert field_label("hs_lead_status", "contact") == "hs_lead_status"
    assert field_label("retention_days", "settings") == "Retention (days)"
    assert field_label("some_new_setting", "settings") == "Some new setting"
