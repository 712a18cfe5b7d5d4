"""Retention: a setting admins change (audited), and a daily prune of older events only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management.sql import emit_post_migrate_signal
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule

from core.models import AuditEvent, AuditRetention
from core.services.retention import (
    RETENTION_SCHEDULE_NAME,
    RetentionRefused,
    retention_days_set,
    retention_prune,
)
from tests.factories import AuditEventFactory

pytestmark = pytest.mark.django_db


def aged(days: float) -> AuditEvent:
    return AuditEventFactory(occurred_at=timezone.now() - timedelta(days=days))


def test_the_prune_removes_only_events_older_than_the_setting_and_audits_itself(
    admin_web: Client,
) -> None:
    admin_web.post(reverse("audit_retention"), {"days": "30", "confirm_shorten": "1"})
    assert AuditRetention.load().days == 30
    old, recent = aged(31), aged(29)
    assert retention_prune() == 1
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(pk=recent.pk).exists()
    pruned = AuditEvent.objects.get(action="audit.pruned")
    assert "Pruned 1 audit events older than 30 days" in pruned.message


def test_the_default_keeps_a_year() -> None:
    year_old, younger = aged(366), aged(364)
    assert AuditRetention.load().days == 365
    retention_prune()
    assert not AuditEvent.objects.filter(pk=year_old.pk).exists()
    assert AuditEvent.objects.filter(pk=younger.pk).exists()


def test_an_admin_changes_the_setting_and_the_change_is_audited(admin_web: Client) -> None:
    response = admin_web.post(
        reverse("audit_retention"), {"days": "90", "confirm_shorten": "1"}, follow=True
    )
    assert "Audit events are now kept 90 days" in response.content.decode()
    assert AuditRetention.load().days == 90
    event = AuditEvent.objects.get(action="settings.changed", object_label="Audit retention")
    assert event.actor_username == "alice"
    assert event.changes == [{"field": "retention_days", "before": 365, "after": 90}]


@pytest.mark.parametrize("days", ["0", "-3", "abc", "99999", "1", "29", "9" * 30])
def test_a_bad_retention_is_refused_with_a_message(admin_web: Client, days: str) -> None:
    response = admin_web.post(
        reverse("audit_retention"), {"days": days, "confirm_shorten": "1"}, follow=True
    )
    assert response.status_code == 200
    assert "nothing was changed" in response.content.decode()
    assert AuditRetention.load().days == 365
    assert not AuditEvent.objects.filter(action="settings.changed").exists()


def test_a_viewer_cannot_change_retention(viewer_web: Client) -> None:
    assert viewer_web.post(reverse("audit_retention"), {"days": "1"}).status_code == 403
    assert AuditRetention.load().days == 365
    page = viewer_web.get(reverse("audit_log")).content.decode()
    assert "Audit events are kept 365 days" in page
    assert 'name="days"' not in page


def test_migrate_creates_one_daily_prune_schedule_by_name() -> None:
    Schedule.objects.filter(name=RETENTION_SCHEDULE_NAME).delete()
    for _ in range(2):  # every ``migrate`` ends with this signal; the second adds nothing
        emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    schedule = Schedule.objects.get(name=RETENTION_SCHEDULE_NAME)
    assert schedule.func == "core.services.retention.retention_prune"
    assert schedule.schedule_type == Schedule.DAILY
    assert schedule.repeats == -1


def test_one_day_is_refused_below_the_minimum_and_nothing_is_pruned(admin_web: Client) -> None:
    month_old = aged(40)
    response = admin_web.post(
        reverse("audit_retention"), {"days": "1", "confirm_shorten": "1"}, follow=True
    )
    page = response.content.decode()
    assert "Audit events must be kept at least 30 days" in page
    assert "nothing was changed" in page
    assert AuditRetention.load().days == 365
    assert not AuditEvent.objects.filter(action="settings.changed").exists()
    retention_prune()
    assert AuditEvent.objects.filter(pk=month_old.pk).exists()


def test_the_service_refuses_below_the_minimum(admin) -> None:
    with pytest.raises(RetentionRefused, match="at least 30 days"):
        retention_days_set(days=29, actor=admin, confirm_shorten=True)
    assert AuditRetention.load().days == 365


@override_settings(AUDIT_RETENTION_MIN_DAYS=90)
def test_the_minimum_is_a_setting(admin_web: Client) -> None:
    response = admin_web.post(
        reverse("audit_retention"), {"days": "60", "confirm_shorten": "1"}, follow=True
    )
    assert "Audit events must be kept at least 90 days" in response.content.decode()
    assert AuditRetention.load().days == 365


def test_shortening_without_confirmation_is_refused(admin_web: Client) -> None:
    response = admin_web.post(reverse("audit_retention"), {"days": "60"}, follow=True)
    page = response.content.decode()
    assert "Shortening retention from 365 to 60 days" in page
    assert "nothing was changed" in page
    assert AuditRetention.load().days == 365
    assert not AuditEvent.objects.filter(action="settings.changed").exists()


def test_lengthening_needs_no_confirmation(admin_web: Client) -> None:
    admin_web.post(reverse("audit_retention"), {"days": "400"})
    assert AuditRetention.load().days == 400


def test_a_confirmed_shortening_is_audited_before_the_prune_deletes(admin_web: Client) -> None:
    old = aged(100)
    page = admin_web.get(reverse("audit_log")).content.decode()
    assert 'name="confirm_shorten"' in page
    admin_web.post(reverse("audit_retention"), {"days": "60", "confirm_shorten": "1"})
    change = AuditEvent.objects.get(action="settings.changed", object_label="Audit retention")
    assert change.changes == [{"field": "retention_days", "before": 365, "after": 60}]
    assert AuditEvent.objects.filter(pk=old.pk).exists()
    assert retention_prune() == 1
    pruned = AuditEvent.objects.get(action="audit.pruned")
    assert change.pk < pruned.pk
    assert change.occurred_at <= pruned.occurred_at
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
