"""Figures for the Overview page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django_q.models import Schedule

from core.models import AuditEvent, SyncJob

CHART_DAYS = 14
#: audit actions that mean "a record was written by the sync"
SYNCED_ACTIONS = (
    "record.created",
    "record.updated",
    "record.linked",
    "record.imported",
    "activity.created",
    "activity.updated",
)
FAILED_ACTIONS = ("record.failed", "activity.failed")


@dataclass(frozen=True)
class DayBar:
    day: date
    synced: int
    errors: int


@dataclass(frozen=True)
class BarShape:
    """One day's two bars (synced, errors) in SVG coordinates."""

    bar: DayBar
    x: float
    width: float
    synced_y: float
    synced_height: float
    errors_x: float
    errors_y: float
    errors_height: float
    label_x: float


@dataclass(frozen=True)
class Chart:
    bars: list[DayBar]
    peak: int
    width: int = 700
    height: int = 180
    #: room under the bars for the day labels
    axis: int = 20

    @property
    def baseline(self) -> int:
        return self.height - self.axis

    def shapes(self) -> list[BarShape]:
        slot = self.width / max(len(self.bars), 1)
        bar_width = slot * 0.38

        def tall(value: int) -> float:
            return 0.0 if not self.peak else (self.baseline - 8) * value / self.peak

        shapes = []
        for i, bar in enumerate(self.bars):
            x = i * slot + slot * 0.1
            synced, errors = tall(bar.synced), tall(bar.errors)
            shapes.append(
                BarShape(
                    bar=bar,
                    x=round(x, 1),
                    width=round(bar_width, 1),
                    synced_y=round(self.baseline - synced, 1),
                    synced_height=round(synced, 1),
                    errors_x=round(x + bar_width, 1),
                    errors_y=round(self.baseline - errors, 1),
                    errors_height=round(errors, 1),
                    label_x=round(i * slot + slot / 2, 1),
                )
            )
        return shapes


def activity_chart(*, days: int = CHART_DAYS) -> Chart:
    """Synced records and errors per day, the last ``days`` days (today included)."""
    today = timezone.localdate()
    start = today - timedelta(days=days - 1)
    since = timezone.make_aware(datetime.combine(start, datetime.min.time()))
    rows = (
        AuditEvent.objects.filter(occurred_at__gte=since)
        .filter(Q(action__in=SYNCED_ACTIONS) | Q(action__in=FAILED_ACTIONS))
        .annotate(day=TruncDate("occurred_at"))
        .values("day")
        .annotate(
            synced=Count("id", filter=Q(action__in=SYNCED_ACTIONS)),
            errors=Count("id", filter=Q(action__in=FAILED_ACTIONS)),
        )
    )
    by_day = {row["day"]: row for row in rows}
    bars = [
        DayBar(
            day=start + timedelta(days=i),
            synced=by_day.get(start + timedelta(days=i), {}).get("synced", 0),
            errors=by_day.get(start + timedelta(days=i), {}).get("errors", 0),
        )
        for i in range(days)
    ]
    return Chart(bars=bars, peak=max((max(b.synced, b.errors) for b in bars), default=0))


def last_finished_job(*, kind: str) -> SyncJob | None:
    return (
        SyncJob.objects.filter(kind=kind, finished_at__isnull=False)
        .order_by("-finished_at")
        .first()
    )


def next_scheduled_run(*, name: str) -> datetime | None:
    return Schedule.objects.filter(name=name).values_list("next_run", flat=True).first()
