"""What the Alerts page reads."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, QuerySet

from alerts.models import Delivery, DeliveryAttempt, Incident

DELIVERIES_PER_PAGE = 25


def delivery_log_page(*, page: str | int | None) -> Page:
    """The delivery log, newest first, with each delivery's attempts."""
    deliveries = Delivery.objects.select_related("notification").prefetch_related(
        Prefetch("tries", queryset=DeliveryAttempt.objects.order_by("-number"))
    )
    return Paginator(deliveries, DELIVERIES_PER_PAGE).get_page(page)


def incidents_open() -> QuerySet[Incident]:
    return Incident.objects.filter(closed_at__isnull=True).order_by("-opened_at")


def incidents_recently_closed(*, limit: int = 10) -> QuerySet[Incident]:
    return Incident.objects.filter(closed_at__isnull=False).order_by("-closed_at")[:limit]
