"""Retention below 30 days asks for confirmation on a second step (a plain form, no
script); without that step's confirmation nothing changes."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent, AuditRetention
from core.services.retention import RetentionNeedsConfirmation, retention_days_set
from tests.factories import AuditEventFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("low_minimum")]


@pytest.fixture
def low_minimum():
    with override_settings(AUDIT_RETENTION_MIN_DAYS=7):
        yield


def changed() -> bool:
    return AuditEvent.objects.filter(action="settings.changed").exists()


def test_below_30_days_shows_a_confirmation_step_and_changes_nothing(admin_web: Client) -> None:
    AuditEventFactory(occurred_at=timezone.now() - timedelta(days=20))
    response = admin_web.post(reverse("audit_retention"), {"days": "10", "confirm_shorten": "1"})
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "Keep audit events only 10 days?" in page
    assert "Today 1 event is older than 10 days" in page
    assert 'name="confirm_below" value="1"' in page
    assert "<script" not in page.split("<main", 1)[-1]
    assert AuditRetention.load().days == 365 and not changed()


def test_the_confirmation_step_sets_it(admin_web: Client) -> None:
    step = admin_web.post(reverse("audit_retention"), {"days": "10", "confirm_shorten": "1"})
    assert 'action="/audit/retention/"' in step.content.decode()
    response = admin_web.post(
        reverse("audit_retention"),
        {"days": "10", "confirm_shorten": "1", "confirm_below": "1"},
        follow=True,
    )
    assert "Audit events are now kept 10 days" in response.content.decode()
    assert AuditRetention.load().days == 10 and changed()


def test_lengthening_to_a_value_still_below_30_asks_too(admin_web: Client) -> None:
    AuditRetention.objects.update_or_create(pk=1, defaults={"days": 8})
    response = admin_web.post(reverse("audit_retention"), {"days": "20"})
    assert "Keep audit events only 20 days?" in html.unescape(response.content.decode())
    assert AuditRetention.load().days == 8


def test_30_days_or_more_needs_no_second_step(admin_web: Client) -> None:
    admin_web.post(reverse("audit_retention"), {"days": "30", "confirm_shorten": "1"})
    assert AuditRetention.load().days == 30


def test_the_service_refuses_an_unconfirmed_short_retention(admin) -> None:
    with pytest.raises(RetentionNeedsConfirmation) as asked:
        retention_days_set(days=14, actor=admin, confirm_shorten=True)
    assert asked.value.days == 14
    assert AuditRetention.load().days == 365 and not changed()


def test_a_viewer_cannot_send_the_confirmation(viewer_web: Client) -> None:
    response = viewer_web.post(
        reverse("audit_retention"), {"days": "10", "confirm_shorten": "1", "confirm_below": "1"}
    )
    assert response.status_code == 403
    assert AuditRetention.load().days == 365
