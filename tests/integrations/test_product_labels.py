"""The product names its own audit names (integrations/labels.py, registered in
``IntegrationsConfig.ready()``); core names only the platform's, and without the
product's registration falls back to readable words or the stored name."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from core import job_kinds, plain_labels
from core.plain_labels import LabelConflict, action_label, register_labels
from core.services.audit import audit_record
from integrations.labels import SETTINGS_OBJECT_TYPES

pytestmark = pytest.mark.django_db

USER_ID = "005000000000007AAA"


def text(page: str) -> str:
    """The page as a person reads it: tags dropped, entities decoded, spaces collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


@pytest.fixture
def product_events() -> None:
    audit_record(
        action="list.created",
        object_type="list",
        object_label="Contacts to sync",
    )
    audit_record(
        action="settings.changed",
        object_type="connection",
        object_label="HubSpot connection",
        changes=[
            {"field": "base_url", "before": "https://a.example", "after": "https://b.example"},
            {"field": "retry_ceiling", "before": 3, "after": 5},
        ],
    )
    audit_record(
        action="activity.updated",
        object_type="activity",
        object_label="Call with Ada",
        changes=[
            {"field": "OwnerId", "before": "", "after": USER_ID},
            {"field": "direction", "before": "sf_to_hs", "after": "hs_to_sf"},
        ],
    )
    audit_record(
        action="record.failed",
        object_type="contact",
        object_label="ada@example.com",
        status="failed",
        error_category="rate_limit",
        message="Too many calls",
    )


@pytest.fixture
def core_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """The platform as it is without the product's registrations."""
    monkeypatch.setattr(
        plain_labels, "_REGISTERED_LABELS", {kind: {} for kind in plain_labels.LABEL_KINDS}
    )
    monkeypatch.setattr(
        plain_labels,
        "_SETTINGS_OBJECTS",
        plain_labels._SETTINGS_OBJECTS - set(SETTINGS_OBJECT_TYPES),
    )
    monkeypatch.setattr(plain_labels, "_VALUE_LABELLERS", {})
    monkeypatch.setattr(job_kinds, "_KINDS", {})


def test_the_audit_log_shows_the_labels_the_product_registered(
    viewer_web: Client, product_events
) -> None:
    page = text(viewer_web.get(reverse("audit_log")).content.decode())
    assert "HubSpot list created" in page
    assert "HubSpot list: Contacts to sync" in page
    assert "Base URL" in page and "base_url" not in page
    assert "Retry ceiling" in page  # a connection field nobody labelled reads as words
    assert "Assigned To" in page and "OwnerId" not in page
    assert "Salesforce → HubSpot HubSpot → Salesforce" in page
    assert "Record failed" in page and "Rate limit / API budget" in page


def test_without_the_products_labels_the_audit_log_falls_back_to_the_stored_names(
    viewer_web: Client, product_events, core_alone
) -> None:
    response = viewer_web.get(reverse("audit_log"))
    assert response.status_code == 200
    page = text(response.content.decode())
    assert "HubSpot list created" not in page
    assert "List created" in page and "List: Contacts to sync" in page  # words, not codes
    assert "Record failed" in page and "Rate limit" in page
    assert "Rate limit / API budget" not in page
    # a vendor's field and a code are shown as stored, not guessed at
    assert "OwnerId" in page and "Assigned To" not in page
    assert "sf_to_hs hs_to_sf" in page
    assert "base_url" in page and "retry_ceiling" in page
    # the platform's own names keep their labels
    assert "Settings changed" in page


def test_job_kinds_are_named_where_they_register_not_in_the_label_tables(core_alone) -> None:
    assert action_label("contacts.sync") == "Contacts sync"
    job_kinds.register_job_kind("contacts.sync", label="Contact sync", run=lambda context: None)
    assert action_label("contacts.sync") == "Contact sync"


def test_registering_a_second_label_for_a_name_is_refused(core_alone) -> None:
    register_labels("action", {"list.created": "HubSpot list created"})
    register_labels("action", {"list.created": "HubSpot list created"})  # the same: fine
    with pytest.raises(LabelConflict, match="list.created"):
        register_labels("action", {"list.created": "List made"})
    with pytest.raises(LabelConflict, match="job.started"):
        register_labels("action", {"job.started": "Sync began"})  # a platform name
    with pytest.raises(ValueError, match="No label kind"):
        register_labels("colour", {"x": "X"})  # type: ignore[arg-type]
    assert action_label("list.created") == "HubSpot list created"
