"""django-q2 schedules are rows: created or updated by name, never duplicated."""

from __future__ import annotations

from django_q.models import Schedule


def schedule_every(*, name: str, func: str, minutes: int) -> Schedule:
    """``func`` (a dotted path) runs every ``minutes``; safe to call any number of times."""
    schedule, _ = Schedule.objects.update_or_create(
        name=name,
        defaults={
            "func": func,
            "schedule_type": Schedule.MINUTES,
            "minutes": minutes,
            "repeats": -1,
        },
    )
    return schedule
