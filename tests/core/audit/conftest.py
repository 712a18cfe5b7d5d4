"""A small, varied audit trail: every filter has events it must keep and events it must drop."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import AuditEvent
from core.services.audit import audit_record


@pytest.fixture
def trail(admin) -> dict[str, AuditEvent]:
    now = timezone.now()
    return {
        "settings": audit_record(
            action="settings.changed",
            object_type="settings",
            object_label="Schedule",
            actor=admin,
            changes=[{"field": "interval_minutes", "before": 15, "after": 30}],
            occurred_at=now - timedelta(days=10),
        ),
        "created": audit_record(
            action="record.created",
            object_type="contact",
            email="Ada@Example.com",
            hubspot_id="101",
            salesforce_id="003000000000001AAA",
            direction=AuditEvent.Direction.HUBSPOT_TO_SALESFORCE,
            job_id=7,
            changes=[{"field": "LastName", "before": None, "after": "Lovelace", "rule": "new"}],
            occurred_at=now - timedelta(days=5),
        ),
        "updated": audit_record(
            action="record.updated",
            object_type="contact",
            email="ada@example.com",
            hubspot_id="101",
            salesforce_id="003000000000001AAA",
            direction=AuditEvent.Direction.SALESFORCE_TO_HUBSPOT,
            job_id=8,
            changes=[{"field": "phone", "before": "1", "after": "2", "rule": "newest wins"}],
            occurred_at=now - timedelta(days=2),
        ),
        "failed": audit_record(
            action="record.updated",
            object_type="contact",
            email="grace@example.com",
            hubspot_id="202",
            direction=AuditEvent.Direction.HUBSPOT_TO_SALESFORCE,
            status=AuditEvent.Status.FAILED,
            error_category="validation",
            job_id=8,
            message="FIELD_CUSTOM_VALIDATION_EXCEPTION: Phone must have 10 digits",
            occurred_at=now - timedelta(days=1),
        ),
        "activity": audit_record(
            action="record.created",
            object_type="activity",
            hubspot_id="9001",
            salesforce_id="00T000000000009AAA",
            direction=AuditEvent.Direction.SALESFORCE_TO_HUBSPOT,
            status=AuditEvent.Status.SKIPPED,
            job_id=8,
            message="Already synced.",
            occurred_at=now - timedelta(hours=1),
        ),
    }


def ids(events) -> set[int]:
    return {event.pk for event in events}
