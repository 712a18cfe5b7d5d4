"""The audit page's filters and search return exactly the matching events."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db


def shown(client: Client, **params: str) -> set[int]:
    response = client.get(reverse("audit_log"), params)
    assert response.status_code == 200
    return {event.pk for event in response.context["events"]}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"action": "record.updated"}, {"updated", "failed"}),
        ({"object_type": "activity"}, {"activity"}),
        ({"direction": "hs_to_sf"}, {"created", "failed"}),
        ({"status": "failed"}, {"failed"}),
        ({"status": "failed", "error_category": "validation"}, {"failed"}),
        ({"job": "8"}, {"updated", "failed", "activity"}),
        ({"actor": "alice"}, {"settings"}),
        ({"actor": "system"}, {"created", "updated", "failed", "activity"}),
        (
            {"object_type": "contact", "action": "record.updated", "direction": "sf_to_hs"},
            {"updated"},
        ),
        ({"q": "ADA@example.COM"}, {"created", "updated"}),
        ({"q": "202"}, {"failed"}),
        ({"q": "00T000000000009AAA"}, {"activity"}),
        ({"q": "nobody@example.com"}, set()),
    ],
)
def test_each_filter_shows_exactly_the_matching_events(viewer_web, trail, params, expected):
    assert shown(viewer_web, **params) == {trail[name].pk for name in expected}


def test_the_time_range_keeps_events_inside_it(viewer_web, trail):
    now = timezone.localtime()
    params = {
        "occurred_from": (now - timedelta(days=6)).strftime("%Y-%m-%dT%H:%M"),
        "occurred_to": (now - timedelta(hours=12)).strftime("%Y-%m-%dT%H:%M"),
    }
    assert shown(viewer_web, **params) == {trail[n].pk for n in ("created", "updated", "failed")}


def test_the_action_select_offers_the_actions_in_the_trail(viewer_web, trail):
    page = viewer_web.get(reverse("audit_log")).content.decode()
    for action in ("settings.changed", "record.created", "record.updated"):
        assert f'<option value="{action}"' in page


def test_filters_survive_in_the_url_and_the_pager(viewer_web, trail):
    response = viewer_web.get(reverse("audit_log"), {"job": "8", "status": "skipped"})
    page = response.content.decode()
    assert 'name="job" min="1" value="8"' in page
    assert '<option value="skipped" selected>' in page
    assert "job=8&amp;status=skipped" in page  # the export link carries the filter


def test_bad_filter_values_get_a_message_not_an_error(viewer_web, trail):
    response = viewer_web.get(
        reverse("audit_log"),
        {"job": "abc", "status": "exploded", "occurred_from": "yesterday", "before": "x"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Job: Enter a whole number. This filter was ignored." in page
    assert "Status: Select a valid choice." in page
    assert "From: Enter a valid date/time." in page
    # The bad filters were dropped, not applied: every event is listed.
    assert {event.pk for event in response.context["events"]} == {e.pk for e in trail.values()}


def test_a_range_that_ends_before_it_starts_is_reported(viewer_web, trail):
    response = viewer_web.get(
        reverse("audit_log"),
        {"occurred_from": "2026-05-02T00:00", "occurred_to": "2026-05-01T00:00"},
    )
    assert response.status_code == 200
    assert "The time range ends before it starts." in response.content.decode()


def test_an_event_expands_to_its_field_changes_and_vendor_message(viewer_web, trail):
    page = viewer_web.get(reverse("audit_log")).content.decode()
    assert "<details>" in page
    assert "<td>phone</td><td>1</td><td>2</td><td>newest wins</td>" in page
    assert "FIELD_CUSTOM_VALIDATION_EXCEPTION: Phone must have 10 digits" in page
    assert "Salesforce → HubSpot" in page


def test_a_time_range_outside_the_trail_shows_nothing(viewer_web, trail):
    future = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    past = (timezone.localtime() - timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    assert shown(viewer_web, occurred_from=future) == set()
    assert shown(viewer_web, occurred_to=past) == set()
    assert shown(viewer_web, occurred_to=past, action="record.created") == set()
