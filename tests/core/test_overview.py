"""The Overview page's figures come from what really happened."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.selectors.overview import activity_chart
from tests.factories import AuditEventFactory

pytestmark = pytest.mark.django_db


def test_the_chart_counts_synced_records_and_errors_per_day(viewer_web: Client) -> None:
    now = timezone.now()
    for days_ago, action, status in [
        (0, "record.created", "ok"),
        (0, "record.updated", "ok"),
        (0, "record.failed", "failed"),
        (3, "record.updated", "ok"),
        (20, "record.updated", "ok"),  # older than the chart
        (0, "settings.changed", "ok"),  # not a record write
    ]:
        AuditEventFactory(
            action=action,
            status=status,
            occurred_at=now - timedelta(days=days_ago),
        )
    chart = activity_chart()
    assert len(chart.bars) == 14
    assert (chart.bars[-1].synced, chart.bars[-1].errors) == (2, 1)
    assert chart.bars[-4].synced == 1
    assert sum(b.synced for b in chart.bars) == 3
    page = viewer_web.get(reverse("overview")).content.decode()
    assert "3 synced, 1 errors in 14 days" in page
    tallest = max(chart.shapes(), key=lambda s: s.synced_height)
    assert tallest.bar.synced == 2 and tallest.synced_height == chart.synced_panel.height


def test_the_overview_shows_api_usage_against_the_cap(viewer_web: Client) -> None:
    from integrations.http.budget import budget_reserve
    from integrations.models import SalesforceConnection

    SalesforceConnection.objects.update_or_create(pk=1, defaults={"daily_budget": 250})
    for _ in range(3):
        budget_reserve(cap=250)
    page = viewer_web.get(reverse("overview")).content.decode()
    assert 'data-testid="sf-usage">3 / 250<' in page
