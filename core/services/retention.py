"""Retention: the one rule by which events leave the audit trail (by age, daily).

The setting lives in ``AuditRetention``; changing it is audited like any other
setting. A django-q2 schedule, created idempotently by name after every
``migrate``, runs ``retention_prune`` once a day through ``audit_prune``, which
audits itself.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django_q.models import Schedule

from core.models import AuditRetention
from core.services.audit import audit_prune, audit_settings_change

RETENTION_SCHEDULE_NAME = "audit-retention-prune"
RETENTION_TASK = "core.services.retention.retention_prune"


@transaction.atomic
def retention_days_set(*, days: int, actor: AbstractBaseUser | None) -> AuditRetention:
    """Change how many days events are kept; the change itself is audited (before -> after)."""
    retention = AuditRetention.objects.select_for_update().get(pk=AuditRetention.load().pk)
    before = retention.days
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
