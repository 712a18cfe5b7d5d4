"""Figures for the Overview page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django_q.models import Schedule

from core.models import AuditEvent, SyncJob
from core.overview_parts import chart_actions
from core.selectors.jobs import job_active_list, job_list, job_list_live

CHART_DAYS = 14


@dataclass(frozen=True)
class DayBar:
    day: date
    synced: int
    errors: int


@dataclass(frozen=True)
class Tick:
    """One y-axis value and its height in SVG coordinates."""

    value: int
    y: float


@dataclass(frozen=True)
class BarShape:
    """One day's bars in SVG coordinates: synced in the upper panel, errors in the lower."""

    bar: DayBar
    x: float
    width: float
    synced_y: float
    synced_height: float
    errors_y: float
    errors_height: float
    label_x: float


def nice_ticks(peak: int, *, most: int = 5) -> list[int]:
    """Round y-axis values from 0 to at least ``peak`` (steps of 1, 2 or 5 times a power
    of ten), at most ``most`` + 1 of them; an empty chart still gets 0 and 1."""
    if peak <= 0:
        return [0, 1]
    step = 1
    while True:
        for factor in (1, 2, 5):
            if peak <= step * factor * most:
                size = step * factor
                count = -(-peak // size)
                return [size * i for i in range(count + 1)]
        step *= 10


@dataclass(frozen=True)
class Panel:
    """A band of the chart with its own scale: records synced are thousands where errors
    are a handful, so errors get a panel of their own to stay visible."""

    top: float
    height: float
    ticks: list[int]

    @property
    def bottom(self) -> float:
        return self.top + self.height

    def tall(self, value: int) -> float:
        return self.height * value / self.ticks[-1]

    def tick_marks(self) -> list[Tick]:
        return [Tick(value=t, y=round(self.bottom - self.tall(t), 1)) for t in self.ticks]


def synced_panel(peak: int) -> Panel:
    return Panel(top=22, height=120, ticks=nice_ticks(peak))


def errors_panel(peak: int) -> Panel:
    return Panel(top=172, height=48, ticks=nice_ticks(peak, most=2))


@dataclass(frozen=True)
class Chart:
    bars: list[DayBar]
    peak: int
    errors_peak: int = 0
    width: int = 700
    height: int = 250
    #: room left of the bars for the y-axis values
    left: int = 52
    synced_panel: Panel = field(default_factory=lambda: synced_panel(0))
    errors_panel: Panel = field(default_factory=lambda: errors_panel(0))

    @property
    def baseline(self) -> float:
        return self.synced_panel.bottom

    @property
    def label_y(self) -> float:
        return self.errors_panel.bottom + 18

    def shapes(self) -> list[BarShape]:
        slot = (self.width - self.left) / max(len(self.bars), 1)
        bar_width = slot * 0.6
        synced, errors = self.synced_panel, self.errors_panel
        shapes = []
        for i, bar in enumerate(self.bars):
            x = self.left + i * slot + slot * 0.2
            synced_tall, errors_tall = synced.tall(bar.synced), errors.tall(bar.errors)
            shapes.append(
                BarShape(
                    bar=bar,
                    x=round(x, 1),
                    width=round(bar_width, 1),
                    synced_y=round(synced.bottom - synced_tall, 1),
                    synced_height=round(synced_tall, 1),
                    errors_y=round(errors.bottom - errors_tall, 1),
                    errors_height=round(errors_tall, 1),
                    label_x=round(self.left + i * slot + slot / 2, 1),
                )
            )
        return shapes


def activity_chart(*, days: int = CHART_DAYS) -> Chart:
    """Synced records and errors per day, the last ``days`` days (today included)."""
    today = timezone.localdate()
    start = today - timedelta(days=days - 1)
    since = timezone.make_aware(datetime.combine(start, datetime.min.time()))
    synced, failed = chart_actions()
    rows = (
        AuditEvent.objects.filter(occurred_at__gte=since, action__in=(*synced, *failed))
        .annotate(day=TruncDate("occurred_at"))
        .values("day")
        .annotate(
            synced=Count("id", filter=Q(action__in=synced)),
            errors=Count("id", filter=Q(action__in=failed)),
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
    peak = max((b.synced for b in bars), default=0)
    errors_peak = max((b.errors for b in bars), default=0)
    return Chart(
        bars=bars,
        peak=peak,
        errors_peak=errors_peak,
        synced_panel=synced_panel(peak),
        errors_panel=errors_panel(errors_peak),
    )


def last_finished_job(*, kind: str) -> SyncJob | None:
    return (
        SyncJob.objects.filter(kind=kind, finished_at__isnull=False)
        .order_by("-finished_at")
        .first()
    )


def next_scheduled_run(*, name: str) -> datetime | None:
    return Schedule.objects.filter(name=name).values_list("next_run", flat=True).first()


def overview_live() -> dict[str, object]:
    """The platform's figures of the Overview that change while jobs run (the page polls
    them): its job tables. The cards of each capability come from its registered parts
    (``core/overview_parts.py``)."""
    active = list(job_active_list()[:10])
    recent = list(job_list()[:5])
    return {
        "active_jobs": active,
        "recent_jobs": recent,
        "live": job_list_live(active + recent),
    }
