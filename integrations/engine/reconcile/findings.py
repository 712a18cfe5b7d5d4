"""What a Reconcile run found, and how a run replaces the open set.

Every record a run compares is one ``Compared``: it either agrees on both sides or
carries one or more ``Found`` disagreements. A run replaces the open findings, batch
by batch as it compares: those found again keep when they were first found and are
marked with the run's job, new ones are added; once every record is compared, those
not marked (no longer found) are cleared.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field as _field
from typing import Any

from django.db.models import Count
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


@dataclass(kw_only=True)
class _About:
    """Which record a finding, or a record compared, is about."""

    object_type: str = "contact"
    hubspot_id: str = ""
    salesforce_id: str = ""
    email: str = ""


@dataclass(kw_only=True)
class Found(_About):
    """One disagreement, before it is stored."""

    kind: str
    record_key: str
    message: str
    field: str = ""
    hubspot_value: str = ""
    salesforce_value: str = ""
    expected_value: str = ""
    details: dict[str, Any] = _field(default_factory=dict)

    @property
    def identity(self) -> tuple[str, str, str]:
        """As stored: one open finding per kind, record and field."""
        return (self.kind, self.record_key[:130], self.field)


@dataclass(kw_only=True)
class Compared(_About):
    """One record compared on both sides: it agrees, or it has findings."""

    key: str
    label: str = ""
    findings: list[Found] = _field(default_factory=list)

    @property
    def agrees(self) -> bool:
        return not self.findings


def findings_upsert(*, found: Iterable[Found], job_id: int) -> None:
    """Store what a batch of the run found, marked with the run's job: a finding found
    again keeps when it was first found (call inside the batch's transaction)."""
    wanted: dict[tuple[str, str, str], Found] = {}
    for item in found:
        wanted.setdefault(item.identity, item)
    if not wanted:
        return
    existing = {
        (f.kind, f.record_key, f.field): f
        for f in ReconcileFinding.objects.select_for_update().filter(
            record_key__in={key for _, key, _ in wanted}
        )
    }
    now = timezone.now()
    new, again = [], []
    for identity, item in wanted.items():
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
        row = existing.get(identity)
        if row is None:
            kind, record_key, field = identity
            new.append(ReconcileFinding(kind=kind, record_key=record_key, field=field, **values))
            continue
        for name, value in values.items():
            setattr(row, name, value)
        row.last_seen_at = now
        again.append(row)
    ReconcileFinding.objects.bulk_create(new, batch_size=500)
    ReconcileFinding.objects.bulk_update(again, [*_STORED, "last_seen_at"], batch_size=500)


def findings_finish(*, job_id: int) -> dict[str, int]:
    """Clear the findings the run did not find again (all it compared is written by now);
    returns how many findings are open per kind."""
    ReconcileFinding.objects.exclude(job_id=job_id).delete()
    return dict(
        ReconcileFinding.objects.values("kind")
        .annotate(n=Count("pk"))
        .order_by("kind")
        .values_list("kind", "n")
    )


def findings_text(counts: dict[str, int]) -> str:
    """``3 findings: 2 field drift, 1 duplicate`` (or ``no findings``)."""
    total = sum(counts.values())
    if not total:
        return "no findings: both sides agree"
    labels = dict(Kind.choices)
    parts = [f"{counts[k]} {labels[k].lower()}" for k in KIND_ORDER if counts.get(k)]
    return f"{total} finding{'s' if total != 1 else ''}: {', '.join(parts)}"
