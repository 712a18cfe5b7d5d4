"""Deliveries: each notification × channel, sent by a worker task and tried again with
exponential backoff (``ALERT_RETRY_BASE_S``, doubling, ``ALERT_MAX_ATTEMPTS`` in all).

A worker claims a delivery with a conditional UPDATE before sending, so two tasks for one
delivery (a retry schedule and the per-minute sweep) never send it twice at once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task

from alerts.models import AlertChannel, Delivery, DeliveryAttempt, Notification
from alerts.services.senders import SendFailed, channel_send

logger = logging.getLogger(__name__)
#: a claimed delivery whose worker has not reported after this long died: it is tried again
CLAIM_LEASE = timedelta(minutes=2)
#: a pending delivery whose task has not run this long after it was due was lost
OVERDUE = timedelta(minutes=2)


def deliveries_enqueue_on_commit(delivery_ids: Iterable[int]) -> None:
    ids = list(delivery_ids)
    if ids:
        transaction.on_commit(lambda: [async_task("alerts.tasks.deliver", i) for i in ids])


def deliveries_overdue() -> list[int]:
    """Deliveries due for a while that no task has taken, or whose worker died sending."""
    now = timezone.now()
    return list(
        Delivery.objects.filter(
            Q(
                status=Delivery.Status.PENDING,
                next_attempt_at__isnull=True,
                created_at__lt=now - OVERDUE,
            )
            | Q(status=Delivery.Status.PENDING, next_attempt_at__lt=now - OVERDUE)
            | Q(status=Delivery.Status.SENDING, claimed_at__lt=now - CLAIM_LEASE)
        ).values_list("pk", flat=True)
    )


def retry_delay(attempts: int) -> timedelta:
    """After the ``attempts``-th failure: the base, then twice as long each time."""
    return timedelta(seconds=settings.ALERT_RETRY_BASE_S * 2 ** (attempts - 1))


def _claim(delivery_id: int) -> bool:
    now = timezone.now()
    due = Q(status=Delivery.Status.PENDING) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    stale = Q(status=Delivery.Status.SENDING, claimed_at__lt=now - CLAIM_LEASE)
    return bool(
        Delivery.objects.filter(due | stale, pk=delivery_id).update(
            status=Delivery.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    )


def _retry_schedule(delivery: Delivery) -> None:
    Schedule.objects.update_or_create(
        name=f"alert-delivery-{delivery.pk}",
        defaults={
            "func": "alerts.tasks.deliver",
            "args": str(delivery.pk),
            "schedule_type": Schedule.ONCE,
            "next_run": delivery.next_attempt_at,
            # a ONCE schedule with negative repeats is deleted once it has run
            "repeats": -1,
        },
    )


def _send(delivery: Delivery) -> tuple[bool, str, bool]:
    """(sent, what happened, worth trying again)."""
    channel = delivery.channel
    if channel is None:
        return False, "Not sent: the channel was deleted.", False
    if not channel.enabled:
        return False, "Not sent: the channel was turned off.", False
    try:
        return True, channel_send(channel, delivery.notification), False
    except SendFailed as exc:
        return False, str(exc), not exc.permanent


def delivery_attempt(*, delivery_id: int, max_attempts: int | None = None) -> Delivery | None:
    """Try the delivery once if it is due; None if it is not (sent, given up, not yet due,
    or another worker has it)."""
    if not _claim(delivery_id):
        return None
    delivery = Delivery.objects.select_related("notification__incident", "channel").get(
        pk=delivery_id
    )
    sent, detail, retry = _send(delivery)
    limit = max_attempts or settings.ALERT_MAX_ATTEMPTS
    now = timezone.now()
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            delivery=delivery, number=delivery.attempts, ok=sent, detail=detail
        )
        if sent:
            delivery.status, delivery.sent_at, delivery.error = Delivery.Status.SENT, now, ""
            delivery.next_attempt_at = None
        elif retry and delivery.attempts < limit:
            delivery.status, delivery.error = Delivery.Status.PENDING, detail
            delivery.next_attempt_at = now + retry_delay(delivery.attempts)
            _retry_schedule(delivery)
        else:
            delivery.status, delivery.error = Delivery.Status.FAILED, detail
            delivery.next_attempt_at = None
        delivery.save(update_fields=["status", "sent_at", "error", "next_attempt_at"])
    log = logger.info if sent else logger.warning
    log(
        "Alert delivery %s (%s) to %s, attempt %s: %s %s",
        delivery.pk,
        delivery.notification.get_event_display(),
        delivery.channel_label,
        delivery.attempts,
        delivery.get_status_display().lower(),
        detail,
    )
    return delivery


def channel_test(*, channel: AlertChannel) -> Delivery:
    """Send a test notification to one channel now, once (no retries): the delivery, with
    what the other end answered, also listed in the delivery log."""
    notification = Notification.objects.create(
        event=Notification.Event.TEST,
        title=f"Test from syncadmin to {channel.name}",
        text="If you can read this, alerts reach this channel.",
    )
    delivery = Delivery.objects.create(
        notification=notification, channel=channel, channel_label=channel.name
    )
    return delivery_attempt(delivery_id=delivery.pk, max_attempts=1) or delivery
