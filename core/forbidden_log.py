"""A refused request (``PermissionDenied``, a viewer's POST) is logged as one line: who,
method, path. Django's ``django.request`` logger logs it as a warning with the whole
traceback, which buries real errors under an expected, harmless refusal."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied


def _escaped(text: str) -> str:
    """Control characters and newlines as escapes: one request stays one log line."""
    return text.encode("unicode_escape").decode("ascii")


def forbidden_line(request: object) -> str:
    user = getattr(request, "user", None)
    who = user.get_username() if user is not None and user.is_authenticated else "anonymous"
    method = getattr(request, "method", "") or "?"
    path = getattr(request, "path", "") or "?"
    return f"Forbidden: {_escaped(who)} {_escaped(method)} {_escaped(path)}"


class ForbiddenOneLine(logging.Filter):
    """On ``django.request``: a ``PermissionDenied`` record loses its traceback and says
    who was refused what."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc_info = record.exc_info
        if exc_info and isinstance(exc_info[1], PermissionDenied):
            record.msg, record.args = forbidden_line(getattr(record, "request", None)), ()
            record.exc_info, record.exc_text = None, None
        return True
