"""What a Reconcile run found, and how a run replaces the open set.

Every record a run compares is one ``Compared``: it either agrees on both sides or
carries one or more ``Found`` disagreements. A run replaces the open findings:
those found again keep when they were first found, those no longer found are
cleared, new ones are added.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as _field
from typing import Any

from django.utils import timezone

from integrations.models import ReconcileFinding

Kind = ReconcileFinding.Kind
#: the order kinds are shown in, most urgent first
KIND_ORDER = (
    Kind.MISSING_IN_SALESFORCE,
    Kind.MISSING_IN_HUBSPOT,
    Kind.ORPHANED_LINK,
    Kind.FIELD_DRIFT,
    Kind.ACTIVITY_NOT_SYNCED,
    Kind.DUPLICATE,
)

#: the columns a run rewrites on a finding it found again
_STORED = (
    "object_type",
    "hubspot_id",
    "salesforce_id",
    "email",
    "hubspot_value",
    "salesforce_value",
    "expected_value",
    "details",
    "message",
    "job_id",
)


@dataclass
class Found:
    """One disagreement, before it is stored."""

    kind: str
    record_key: str
    message: str
    object_type: str = "contact"
    hubspot_id: str = ""
    salesforce_id: str = ""
    email: str = ""
    field: str = ""
    hubspot_value: str = ""
    salesforce_value: str = ""
    expected_value: str = ""
    details: dict[str, Any] = _field(default_factory=dict)

    @property
    def identity(self) -> tuple[str, str, str]:
        return (self.kind, self.record_key, self.field)


@dataclass
class Compared:
    """One record compared on both sides: it agrees, or it has findings."""

    key: str
    object_type: str
    label: str = ""
    email: str = ""
    hubspot_id: str = ""
    salesforce_id: str = ""
    findings: list[Found] = _field(default_factory=list)

    @property
    def agrees(self) -> bool:
        return not self.findings


def findings_replace(*, found: Iterable[Found], job_id: int | None) -> dict[str, int]:
    """Make ``found`` the open set (call inside the run's transaction). Returns how many
    findings are open per kind."""
    wanted: dict[tuple[str, str, str], Found] = {}
    for item in found:
        wanted.setdefault(item.identity, item)
    existing = {
        (f.kind, f.record_key, f.field): f for f in ReconcileFinding.objects.select_for_update()
    }
    gone = [f.pk for key, f in existing.items() if key not in wanted]
    ReconcileFinding.objects.filter(pk__in=gone).delete()
    now = timezone.now()
    new, again = [], []
    for key, item in wanted.items():
        values = {
            "object_type": item.object_type,
            "hubspot_id": item.hubspot_id[:40],
            "salesforce_id": item.salesforce_id[:18],
            "email": item.email[:254],
            "hubspot_value": item.hubspot_value,
            "salesforce_value": item.salesforce_value,
            "expected_value": item.expected_value,
            "details": item.details,
            "message": item.message,
            "job_id": job_id,
        }
        row = existing.get(key)
        if row is None:
            new.append(
                ReconcileFinding(
                    kind=item.kind, record_key=item.record_key[:130], field=item.field, **values
                )
            )
            continue
        for name, value in values.items():
            setattr(row, name, value)
        row.last_seen_at = now
        again.append(row)
    ReconcileFinding.objects.bulk_create(new, batch_size=500)
    ReconcileFinding.objects.bulk_update(again, [*_STORED, "last_seen_at"], batch_size=500)
    counts: dict[str, int] = {}
    for kind, _, _ in wanted:
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def findings_text(counts: dict[str, int]) -> str:
    """``3 findings: 2 field drift, 1 duplicate`` (or ``no findings``)."""
    total = sum(counts.values())
    if not total:
        return "no findings: both sides agree"
    labels = dict(Kind.choices)
    parts = [f"{counts[k]} {labels[k].lower()}" for k in KIND_ORDER if counts.get(k)]
    return f"{total} finding{'s' if total != 1 else ''}: {', '.join(parts)}"
