"""Incidents follow the conditions: open one (and announce it once) when a condition
appears, close it (and announce the recovery) when it clears.

Evaluation runs after every job (``alerts.hooks``) and every minute (the schedule), in
any number of workers at once. The database keeps it to one open incident per key and
one notification per incident and event, whoever gets there first; the other evaluation
finds the row taken and says nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_q.models import Schedule

from alerts.models import AlertChannel, AlertRules, Delivery, Incident, Notification
from alerts.services.conditions import Condition, conditions_current, recovery_text
from alerts.services.delivery import deliveries_enqueue_on_commit, deliveries_overdue
from core.services.schedules import schedule_every

logger = logging.getLogger(__name__)
#: the django-q2 schedule of ``alerts.tasks.evaluate``
EVALUATION_SCHEDULE = "alerts-evaluate"


@dataclass
class Evaluation:
    opened: list[Incident] = field(default_factory=list)
    recovered: list[Incident] = field(default_factory=list)
    #: closed without a notice because their rule was turned off
    silenced: list[Incident] = field(default_factory=list)


def evaluation_schedule_ensure() -> Schedule:
    return schedule_every(name=EVALUATION_SCHEDULE, func="alerts.tasks.evaluate", minutes=1)


def notification_send(
    *, event: str, title: str, text: str, incident: Incident | None = None
) -> Notification:
    """A notification, with one pending delivery per enabled channel, handed to the workers
    once the transaction commits."""
    notification = Notification.objects.create(
        incident=incident, event=event, title=title, text=text
    )
    deliveries = Delivery.objects.bulk_create(
        Delivery(notification=notification, channel=channel, channel_label=channel.name)
        for channel in AlertChannel.objects.filter(enabled=True)
    )
    deliveries_enqueue_on_commit([d.pk for d in deliveries])
    return notification


def _open(condition: Condition) -> Incident | None:
    try:
        with transaction.atomic():
            incident = Incident.objects.create(
                key=condition.key,
                rule=condition.rule,
                title=condition.title,
                text=condition.text,
                link_path=condition.link_path,
            )
            notification_send(
                event=Notification.Event.OPENED,
                title=condition.title,
                text=condition.text,
                incident=incident,
            )
    except IntegrityError:
        return None  # another evaluation opened it first and announced it
    return incident


def _close(incident: Incident, *, rules: AlertRules) -> bool:
    """Close it if still open (the first evaluation to get here wins); announce the
    recovery unless its rule was turned off, which says nothing about the condition."""
    rule_on = bool(getattr(rules, incident.rule, False))
    with transaction.atomic():
        closed = Incident.objects.filter(pk=incident.pk, closed_at__isnull=True).update(
            closed_at=timezone.now(),
            closed_reason="" if rule_on else "Its rule was turned off.",
        )
        if closed and rule_on:
            notification_send(
                event=Notification.Event.RECOVERED,
                title=f"Recovered: {incident.title}",
                text=recovery_text(incident.key),
                incident=incident,
            )
    return bool(closed)


def incidents_evaluate() -> Evaluation:
    """Compare what is wrong now with the open incidents, and notify the difference."""
    AlertRules.load()
    result = Evaluation()
    with transaction.atomic():
        # One evaluation at a time reads and acts (PostgreSQL waits on this row; SQLite's
        # IMMEDIATE transactions already serialise writers), so none acts on a stale view.
        rules = AlertRules.objects.select_for_update().get(pk=1)
        current = conditions_current(rules=rules)
        open_incidents = {i.key: i for i in Incident.objects.filter(closed_at__isnull=True)}
        for key, condition in current.items():
            if key not in open_incidents and (incident := _open(condition)) is not None:
                result.opened.append(incident)
        for key, incident in open_incidents.items():
            if key not in current and _close(incident, rules=rules):
                rule_on = bool(getattr(rules, incident.rule, False))
                (result.recovered if rule_on else result.silenced).append(incident)
    for incident in result.opened:
        logger.info("Alert incident opened: %s (%s)", incident.title, incident.key)
    for incident in result.recovered:
        logger.info("Alert incident recovered: %s (%s)", incident.title, incident.key)
    return result


def alerts_tick() -> tuple[Evaluation, int]:
    """Every minute: evaluate, and hand the workers any delivery whose task was lost."""
    result = incidents_evaluate()
    overdue = deliveries_overdue()
    deliveries_enqueue_on_commit(overdue)
    return result, len(overdue)
