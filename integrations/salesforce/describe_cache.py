"""Salesforce describes kept in the database, so runs and pages share them.

A job reads an object's describe from here while it is younger than
``SALESFORCE_DESCRIBE_MAX_AGE_S`` (a day by default) and fetches it again after.
The settings pages read it live and store what they read (``max_age_s=None``): what an
admin just saw there is what the next run uses. Dropped when Test connection runs, when
the connection is saved, and when Salesforce refuses a field or a picklist value the
describe promised (``caching.DESCRIBE_CHANGED``): that call fails with Salesforce's own
error and the next one describes again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from integrations.models import SalesforceDescribe


def describe_max_age_s() -> float:
    return float(settings.SALESFORCE_DESCRIBE_MAX_AGE_S)


class DbDescribeStore:
    """Describes younger than ``max_age_s`` are served from the database; ``None``: never
    served (always fetched), but still stored for the others."""

    def __init__(
        self, max_age_s: float | None, clock: Callable[[], datetime] = timezone.now
    ) -> None:
        self.max_age_s = max_age_s
        self.clock = clock

    def load(self, object_type: str) -> dict[str, Any] | None:
        if self.max_age_s is None:
            return None
        oldest = self.clock() - timedelta(seconds=self.max_age_s)
        row = SalesforceDescribe.objects.filter(
            object_type=object_type, fetched_at__gt=oldest
        ).first()
        return row.describe if row is not None else None

    def save(self, object_type: str, describe: dict[str, Any]) -> None:
        SalesforceDescribe.objects.update_or_create(
            object_type=object_type, defaults={"describe": describe, "fetched_at": self.clock()}
        )

    def drop(self, object_type: str | None = None) -> None:
        salesforce_describes_forget(object_type)


def salesforce_describes_forget(object_type: str | None = None) -> None:
    """The next reader describes ``object_type`` (or every object) afresh."""
    rows = SalesforceDescribe.objects.all()
    if object_type is not None:
        rows = rows.filter(object_type=object_type)
    rows.delete()
