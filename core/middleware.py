"""Viewers read everything and change nothing: every state-changing request needs an admin."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import resolve

from core.roles import user_is_admin

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
#: POSTs any signed-in user may make (their own browser's time zone changes only their view)
OPEN_TO_VIEWERS = ("logout", "time_zone_save")


class ViewerReadOnlyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.method not in SAFE_METHODS
            and request.user.is_authenticated
            and not user_is_admin(request.user)
            and resolve(request.path_info).url_name not in OPEN_TO_VIEWERS
        ):
            raise PermissionDenied("Viewers have read-only access. Ask an admin to make changes.")
        return self.get_response(request)
