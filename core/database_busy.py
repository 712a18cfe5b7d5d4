"""A database that is locked or down: web requests give up within seconds and say so.

Workers may wait for a lock as long as a batch takes (``DATABASES`` options); a person
pressing *Sync now* should not. Connections opened while serving a request wait at most
``DB_WEB_WAIT_S`` for a lock (SQLite's busy timeout, PostgreSQL's ``lock_timeout``).
When the wait runs out, or the database does not answer at all, the request ends with a
503 page that says the database is busy and nothing was started — true, because a job
is started in one transaction that rolled back.

The page is rendered without touching the database (no user, no navigation), since the
database is what is missing.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views.defaults import server_error as django_server_error

from core.models import SyncJob

logger = logging.getLogger(__name__)

#: set while a web request is served, so connections it opens get the short waits
_serving_request: ContextVar[bool] = ContextVar("serving_request", default=False)

BUSY_MESSAGE = (
    "The database is busy or not answering, so nothing was started and nothing was saved. "
    "Try again in a minute."
)


def database_unreachable(exc: BaseException | None) -> bool:
    """The error, or one it was raised from, says the database could not be reached
    or locked in time (Django's session store re-raises it as its own error).

    A constraint or data error is a bug or bad input, not a busy database:
    ``IntegrityError`` and ``DataError`` are ``DatabaseError`` but not these.
    """
    while exc is not None:
        if isinstance(exc, OperationalError | InterfaceError):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


@contextmanager
def serving_request() -> Iterator[None]:
    token = _serving_request.set(True)
    try:
        yield
    finally:
        _serving_request.reset(token)


@receiver(connection_created)
def _short_waits_for_requests(sender: Any, connection: Any, **kwargs: Any) -> None:
    if _serving_request.get():
        database_wait_set(connection, settings.DB_WEB_WAIT_S)


def database_wait_set(conn: Any, seconds: float) -> None:
    """How long ``conn`` waits for a lock before it gives up with an error."""
    milliseconds = max(1, int(seconds * 1000))
    with conn.cursor() as cursor:
        if conn.vendor == "sqlite":
            cursor.execute(f"PRAGMA busy_timeout = {milliseconds}")
        elif conn.vendor == "postgresql":
            cursor.execute(f"SET lock_timeout = {milliseconds}")


def database_busy_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    logger.warning(
        "%s %s: the database is busy or down (%s: %s); answered 503.",
        request.method,
        request.path,
        type(exc).__name__,
        exc,
    )
    response = HttpResponse(
        render_to_string("database_busy.html", {"message": BUSY_MESSAGE}),
        status=503,
    )
    response["Retry-After"] = "60"
    return response


class DatabaseBusyMiddleware:
    """Connections opened for a request wait ``DB_WEB_WAIT_S`` at most; a view that
    then fails to reach the database answers the busy page, not a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with serving_request():
            return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if database_unreachable(exc):
            return database_busy_response(request, exc)
        return None


class SessionRefreshTolerantMiddleware(SessionMiddleware):
    """``SESSION_SAVE_EVERY_REQUEST`` saves every session to push its expiry back.

    While the database is locked that save fails although the page itself was read
    (readers are not blocked) or its change committed; failing the response then would
    show an error for something that happened. A session whose content changed (a
    login, a message too big for its cookie) still raises: the request depends on it.
    """

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        try:
            return super().process_response(request, response)
        except Exception as exc:
            session = getattr(request, "session", None)
            if session is None or session.modified or not database_unreachable(exc):
                raise
            logger.warning(
                "%s %s: the session's expiry was not extended, the database is busy (%s).",
                request.method,
                request.path,
                exc,
            )
            return response


def server_error(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """``handler500``: an unreachable database raised outside a view (a middleware)
    still gets the busy page; anything else the plain 500 page."""
    exc = sys.exc_info()[1]
    if database_unreachable(exc):
        return database_busy_response(request, exc)
    return django_server_error(request, *args, **kwargs)


def database_state() -> str:
    """``ok``, ``busy`` (answers reads but a job could not be started now) or ``unavailable``.

    The probe takes the lock starting a job takes (SQLite's write lock; PostgreSQL's
    lock on the jobs table) and gives it back at once; it waits at most a second.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            if cursor.fetchone() != (1,):
                return "unavailable"
    except DatabaseError:
        logger.exception("Health check: the database did not answer.")
        return "unavailable"
    if connection.in_atomic_block:
        return "ok"  # inside a transaction (tests): the lock is ours already
    try:
        _probe_write_lock()
    except OperationalError as exc:
        logger.warning("Health check: the database is busy (%s).", exc)
        return "busy"
    return "ok"


def _probe_write_lock() -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA busy_timeout")
            before = cursor.fetchone()[0]
            cursor.execute("PRAGMA busy_timeout = 1000")
            try:
                cursor.execute("BEGIN IMMEDIATE")
                cursor.execute("ROLLBACK")
            finally:
                cursor.execute(f"PRAGMA busy_timeout = {int(before)}")
    elif connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = 1000")
            cursor.execute(f'LOCK TABLE "{SyncJob._meta.db_table}" IN ROW EXCLUSIVE MODE')
