"""Times in the viewer's time zone: the browser reports its zone once
(static/js/time-zone.js posts ``Intl``'s zone to ``time_zone_save``), it is stored per
user, and ``UserTimeZoneMiddleware`` activates it on each of their requests, so the
``date`` filter on aware datetimes shows local times. Without a stored zone, pages use
``settings.TIME_ZONE`` (UTC unless set)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.echo import echo
from core.models.time_zone import UserTimeZone

#: the longest IANA zone name stored (the longest known is 32 characters)
ZONE_MAX_LENGTH = 64


class ZoneRefused(ValueError):
    """A zone name Python's tz database does not know."""


@cache
def known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def user_time_zone(*, user: AbstractBaseUser) -> str | None:
    """The zone stored for ``user``, if their browser has reported one."""
    if not user.is_authenticated:
        return None
    return UserTimeZone.objects.filter(user_id=user.pk).values_list("zone", flat=True).first()


def user_time_zone_set(*, user: AbstractBaseUser, zone: str) -> bool:
    """Store ``zone`` for ``user``; True if it changed. Unknown names are refused."""
    zone = zone.strip()
    if len(zone) > ZONE_MAX_LENGTH or zone not in known_zones():
        raise ZoneRefused(f"“{echo(zone)}” is not a time zone name (such as Europe/Helsinki).")
    row, created = UserTimeZone.objects.get_or_create(user_id=user.pk, defaults={"zone": zone})
    if created:
        return True
    if row.zone == zone:
        return False
    row.zone = zone
    row.save(update_fields=["zone", "updated_at"])
    return True


class UserTimeZoneMiddleware:
    """Activates the signed-in user's zone for the request (after authentication)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = user_time_zone(user=request.user)
        request.time_zone_stored = zone or ""
        if zone and zone in known_zones():
            timezone.activate(ZoneInfo(zone))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


@require_POST
def time_zone_save(request: HttpRequest) -> HttpResponse:
    """What the page's script posts: ``zone``, the browser's IANA zone. Any signed-in
    user (viewers too) keeps their own zone; it changes nothing anyone else sees."""
    try:
        changed = user_time_zone_set(user=request.user, zone=request.POST.get("zone", ""))
    except ZoneRefused as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    return JsonResponse({"zone": request.POST["zone"].strip(), "changed": changed})
