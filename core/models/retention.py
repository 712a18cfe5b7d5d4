"""How long the audit trail keeps events: one row, edited by admins on the audit page."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.signals import post_migrate

DEFAULT_RETENTION_DAYS = 365
#: Ten years: a longer "retention" is a typo, not a policy.
MAX_RETENTION_DAYS = 3650


class AuditRetention(models.Model):
    days = models.PositiveIntegerField(
        default=DEFAULT_RETENTION_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_RETENTION_DAYS)],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "audit retention"

    def __str__(self) -> str:
        return f"Keep audit events {self.days} days"

    @classmethod
    def load(cls) -> AuditRetention:
        retention, _ = cls.objects.get_or_create(pk=1)
        return retention


def _ensure_retention_schedule(sender: AppConfig, **kwargs: Any) -> None:
    # Here rather than in a model signal: the schedule is a row that must exist
    # once per database, and ``migrate`` is the one step every deploy runs.
    if sender.name != "core":
        return
    from core.services.retention import retention_schedule_ensure

    retention_schedule_ensure()


post_migrate.connect(_ensure_retention_schedule, dispatch_uid="core.retention_schedule")
