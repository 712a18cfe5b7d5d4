"""Login lockout (django-axes): what a locked-out login sees, and its audit event.

axes counts the failures and decides; this module is the two places it calls us.
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_client_username
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.models import AuditEvent
from core.services.audit import audit_record


class LockoutBackend(AxesStandaloneBackend):
    """axes' check, for logins over the web only.

    ``authenticate()`` without a request is a shell or a command run by someone who
    already holds the server: there is no address to count, so nothing to lock out.
    """

    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)


def client_address(request: HttpRequest) -> str | None:
    """The address a login came from, as axes counts it.

    Behind ``TRUSTED_PROXY_COUNT`` reverse proxies, ``REMOTE_ADDR`` is the nearest
    proxy's and the client is the entry that many places from the right of
    ``X-Forwarded-For`` (each proxy appends the address it saw). Entries further left
    came from the client itself and could be anything, so they are never used; with
    fewer entries than proxies the header was not set by them and ``REMOTE_ADDR`` counts.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    remote = request.META.get("REMOTE_ADDR")
    if proxies < 1:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:
        return remote
    return forwarded[-proxies]


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """The login page again, saying why the login was refused and for how long (HTTP 429).

    Each refused attempt is audited with the username tried and the address, never the
    password: the first is the lockout itself, the others show the guessing went on.
    """
    username = get_client_username(request, credentials) or ""
    address = client_address(request) or "unknown address"
    minutes = settings.AXES_COOLOFF_MINUTES
    audit_record(
        action="login.locked_out",
        object_type="user",
        object_label=username,
        status=AuditEvent.Status.FAILED,
        message=(
            f"Login as {username!r} from {address} refused: "
            f"{settings.AXES_FAILURE_LIMIT} failed logins, locked out for {minutes} minutes."
        ),
    )
    form = AuthenticationForm(request)
    return render(
        request,
        "registration/login.html",
        {
            "form": form,
            "locked_out": True,
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "cooloff_minutes": minutes,
            "next": request.POST.get("next", ""),
        },
        status=429,
    )
