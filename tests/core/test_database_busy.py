"""A database locked by another process, or down: *Sync now* answers within seconds that
the database is busy and nothing was started, pages that only read still open, and
``/healthz`` says what is true. Real locks, taken by a second connection as a long
migration or a stuck writer would."""

from __future__ import annotations

import html
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent, SyncJob

pytestmark = pytest.mark.django_db(transaction=True)

#: the wait a web request gets in these tests; the default is 5 s
WAIT_S = 1.0


@pytest.fixture(autouse=True)
def short_web_wait(settings) -> None:
    settings.DB_WEB_WAIT_S = WAIT_S


@contextmanager
def database_locked() -> Iterator[None]:
    """Another process holds the lock that writing (starting a job) needs."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        other = sqlite3.connect(settings["NAME"], isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
    else:
        import psycopg

        other = psycopg.connect(
            host=settings["HOST"],
            port=settings["PORT"] or 5432,
            user=settings["USER"],
            dbname=settings["NAME"],
        )
        other.execute(f'LOCK TABLE "{SyncJob._meta.db_table}" IN EXCLUSIVE MODE')
    # The next request opens its own connection, as a web process's first request does.
    connection.close()
    try:
        yield
    finally:
        other.rollback()
        other.close()
        connection.close()


@contextmanager
def database_down() -> Iterator[None]:
    """Nothing answers where the database should be."""
    settings = connection.settings_dict
    key, unreachable = ("NAME", "/nonexistent/folder/db.sqlite3")
    if connection.vendor != "sqlite":
        key, unreachable = ("PORT", "1")
    saved = settings[key]
    connection.close()
    settings[key] = unreachable
    try:
        yield
    finally:
        connection.close()
        settings[key] = saved


def sync_now(client: Client):
    started = time.monotonic()
    response = client.post(reverse("contacts_sync_now"), {"mode": "all"})
    print(f"Sync now answered {response.status_code} in {time.monotonic() - started:.1f} s")
    return response


def page_of(response) -> str:
    return html.unescape(response.content.decode())


def test_sync_now_on_a_locked_database_says_busy_and_starts_nothing(admin_web: Client) -> None:
    events = AuditEvent.objects.count()
    with database_locked():
        started = time.monotonic()
        response = sync_now(admin_web)
        waited = time.monotonic() - started
    assert response.status_code == 503
    assert "The database is busy or not answering, so nothing was started" in page_of(response)
    assert response["Retry-After"] == "60"
    # It gave up after its own short wait, not the workers' 30 s.
    assert waited < 20
    assert not SyncJob.objects.exists()
    assert AuditEvent.objects.count() == events

    # Once the lock is gone the same click starts the job.
    response = sync_now(admin_web)
    assert response.status_code == 302
    assert SyncJob.objects.count() == 1


def test_pages_that_only_read_still_open_while_the_database_is_locked(admin_web: Client) -> None:
    with database_locked():
        response = admin_web.get(reverse("jobs"))
    # The session's expiry could not be pushed back; the page shows anyway.
    assert response.status_code == 200
    assert "Jobs" in page_of(response)


def test_sync_now_with_the_database_down_says_busy(admin_web: Client) -> None:
    # The first query that fails is a middleware's (who is signed in), not the view's:
    # the server's 500 handler answers, as in production, instead of the test client
    # re-raising.
    admin_web.raise_request_exception = False
    with database_down():
        response = sync_now(admin_web)
        assert response.status_code == 503
        assert "nothing was started" in page_of(response)
    assert not SyncJob.objects.exists()


def test_healthz_tells_a_locked_database_from_a_down_one() -> None:
    monitor = Client()
    assert monitor.get("/healthz").json()["database"] == "ok"
    with database_locked():
        locked = monitor.get("/healthz")
    assert locked.status_code == 503
    assert locked.json()["database"] == "busy"
    assert locked.json()["status"] == "unavailable"
    with database_down():
        down = monitor.get("/healthz")
    assert down.status_code == 503
    assert down.json()["database"] == "unavailable"
    assert down.json()["last_successful_sync"] is None
    assert monitor.get("/healthz").status_code == 200


def test_workers_keep_their_long_wait() -> None:
    """Only connections opened while serving a request get the short wait: a worker's
    batch that meets a briefly locked database waits it out instead of failing."""
    connection.close()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA busy_timeout")
            assert cursor.fetchone()[0] == 30_000
        else:
            cursor.execute("SHOW lock_timeout")
            assert cursor.fetchone()[0] == "0"
