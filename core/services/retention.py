"""Retention: the one rule by which events leave the audit trail (by age, daily).

The setting lives in ``AuditRetention``; changing it is audited like any other
setting. A django-q2 schedule, created idempotently by name after every
``migrate``, runs ``retention_prune`` once a day through ``audit_prune``, which
audits itself.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django_q.models import Schedule

from core.models import AuditEvent, AuditRetention
from core.models.retention import MAX_RETENTION_DAYS
from core.services.audit import audit_prune, audit_settings_change

RETENTION_SCHEDULE_NAME = "audit-retention-prune"
#: a retention below this (allowed when ``AUDIT_RETENTION_MIN_DAYS`` is lower) asks the
#: admin to confirm it on its own step: under a month, an incident is often found too late
CONFIRM_BELOW_DAYS = 30
RETENTION_TASK = "core.services.retention.retention_prune"


class RetentionRefused(Exception):
    """A retention the rules do not allow; the message says why, for the admin."""


class RetentionNeedsConfirmation(RetentionRefused):
    """A retention below ``CONFIRM_BELOW_DAYS``, not confirmed yet: nothing was changed."""

    def __init__(self, *, days: int, older_events: int) -> None:
        self.days = days
        #: events already older than ``days``, which the next daily prune would delete
        self.older_events = older_events
        super().__init__(
            f"Keeping audit events only {days} days needs confirmation; nothing was changed."
        )


def retention_minimum_days() -> int:
    """Events younger than this are never pruned (``AUDIT_RETENTION_MIN_DAYS``)."""
    return settings.AUDIT_RETENTION_MIN_DAYS


@transaction.atomic
def retention_days_set(
    *,
    days: int,
    actor: AbstractBaseUser | None,
    confirm_shorten: bool = False,
    confirm_below: bool = False,
) -> AuditRetention:
    """Change how many days events are kept; the change itself is audited (before -> after).

    Below ``AUDIT_RETENTION_MIN_DAYS`` is refused; a shorter retention than the
    current one only with ``confirm_shorten``, since the next daily prune then
    deletes events; below ``CONFIRM_BELOW_DAYS`` only with ``confirm_below`` too
    (``RetentionNeedsConfirmation`` says how many events that would delete). Either
    way the change is recorded before any prune runs.
    """
    minimum = retention_minimum_days()
    if days < minimum:
        raise RetentionRefused(
            f"Audit events must be kept at least {minimum} days "
            f"(AUDIT_RETENTION_MIN_DAYS); nothing was changed."
        )
    if days > MAX_RETENTION_DAYS:
        raise RetentionRefused(
            f"Retention can be at most {MAX_RETENTION_DAYS} days; nothing was changed."
        )
    if days < CONFIRM_BELOW_DAYS and not confirm_below:
        cutoff = timezone.now() - timedelta(days=days)
        older = AuditEvent.objects.filter(occurred_at__lt=cutoff).count()
        raise RetentionNeedsConfirmation(days=days, older_events=older)
    retention = AuditRetention.objects.select_for_update().get(pk=AuditRetention.load().pk)
    before = retention.days
    if days < before and not confirm_shorten:
        raise RetentionRefused(
            f"Shortening retention from {before} to {days} days deletes every event older "
            f"than {days} days at the next daily prune. Tick the confirmation to do it; "
            "nothing was changed."
        )
    retention.days = days
    retention.full_clean()
    retention.save()
    audit_settings_change(
        actor=actor,
        object_type="settings",
        object_label="Audit retention",
        before={"retention_days": before},
        after={"retention_days": days},
    )
    return retention


def retention_prune(actor: AbstractBaseUser | None = None) -> int:
    """Prune events older than the retention setting (the daily task; takes no ids)."""
    return audit_prune(older_than_days=AuditRetention.load().days, actor=actor)


def retention_schedule_ensure() -> Schedule:
    """The daily prune schedule, created once by name and left alone afterwards."""
    schedule, _ = Schedule.objects.get_or_create(
        name=RETENTION_SCHEDULE_NAME,
        defaults={
            "func": RETENTION_TASK,
            "schedule_type": Schedule.DAILY,
            "repeats": -1,
            "next_run": timezone.now().replace(hour=3, minute=0, second=0, microsecond=0),
        },
    )
    return schedule
