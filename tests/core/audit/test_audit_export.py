"""CSV export: exactly the current filter's events, every field, changes as JSON."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.http import StreamingHttpResponse
from django.test import Client
from django.urls import reverse

from core.selectors import audit as audit_selectors
from core.services.audit import audit_event_build, audit_events_record

pytestmark = pytest.mark.django_db


def export(client: Client, **params: str) -> list[dict[str, str]]:
    response = client.get(reverse("audit_export"), params)
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_the_export_holds_exactly_the_filtered_events(viewer_web, trail):
    rows = export(viewer_web, job="8", direction="hs_to_sf")
    assert [int(row["id"]) for row in rows] == [trail["failed"].pk]
    row = rows[0]
    assert row["email"] == "grace@example.com"
    assert row["status"] == "failed"
    assert row["error_category"] == "validation"
    assert row["message"].startswith("FIELD_CUSTOM_VALIDATION_EXCEPTION")
    assert row["hubspot_id"] == "202"


def test_the_export_has_every_field_and_changes_as_json(viewer_web, trail):
    rows = export(viewer_web, q="ada@example.com")
    assert [int(row["id"]) for row in rows] == [trail["updated"].pk, trail["created"].pk]
    assert set(rows[0]) >= {
        "occurred_at", "actor_type", "actor_username", "job_id", "action", "object_type",
        "object_label", "hubspot_id", "salesforce_id", "email", "direction", "status",
        "error_category", "message", "changes",
    }  # fmt: skip
    assert json.loads(rows[0]["changes"]) == [
        {"field": "phone", "before": "1", "after": "2", "rule": "newest wins"}
    ]
    assert rows[0]["salesforce_id"] == "003000000000001AAA"


def test_the_export_streams_every_row_across_chunks(viewer_web, monkeypatch):
    monkeypatch.setattr(audit_selectors, "EXPORT_CHUNK", 7)
    audit_events_record(
        audit_event_build(action="record.updated", object_type="contact", email=f"c{i}@x.org")
        for i in range(30)
    )
    rows = export(viewer_web, action="record.updated")
    assert len(rows) == 30
    assert len({row["id"] for row in rows}) == 30


def test_spreadsheet_formulas_in_record_data_are_neutralised(viewer_web):
    audit_events_record(
        [audit_event_build(action="record.updated", object_type="contact", object_label="=1+1")]
    )
    assert export(viewer_web)[0]["object_label"] == "'=1+1"
