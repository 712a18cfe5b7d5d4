"""A cheap fingerprint of every table in the database: what a refused request must leave
exactly as it found it."""

from __future__ import annotations

import hashlib

from django.db import connection

#: Tables a request writes whatever it does, so they say nothing about what it changed:
#: - django_session: SESSION_SAVE_EVERY_REQUEST moves the expiry on every request, and
#:   flash messages that do not fit the cookie fall back to the session;
#: - the rate-limit and API-usage tables: a view that reads HubSpot or Salesforce to check
#:   the input (a mapping's property exists, a task type is in the picklist) meters that
#:   read like any other call;
#: - the Salesforce session and describe caches, which that read may fill (dropping them
#:   costs a call, never data).
BOOKKEEPING_TABLES = frozenset(
    {
        "django_session",
        "integrations_ratelimitbucket",
        "integrations_ratelimitcall",
        "integrations_apiusageday",
        "integrations_salesforcesession",
        "integrations_salesforcedescribe",
    }
)


def _quoted(name: str) -> str:
    return connection.ops.quote_name(name)


def table_fingerprint(table: str) -> tuple[int, str]:
    """The row count and a hash of the rows (in a stable order) of ``table``."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {_quoted(table)}")  # names from introspection
        rows = sorted(repr(row) for row in cursor.fetchall())
    digest = hashlib.blake2b(digest_size=16)
    for row in rows:
        digest.update(row.encode("utf-8", "surrogatepass"))
        digest.update(b"\x1e")
    return len(rows), digest.hexdigest()


def db_fingerprint(*, ignore: frozenset[str] = BOOKKEEPING_TABLES) -> dict[str, tuple[int, str]]:
    """Every table's fingerprint (django-q2's queue, tasks and schedules included)."""
    tables = connection.introspection.table_names(include_views=False)
    return {table: table_fingerprint(table) for table in tables if table not in ignore}


def tables_changed(
    before: dict[str, tuple[int, str]], after: dict[str, tuple[int, str]]
) -> list[str]:
    """The tables whose rows differ between two fingerprints."""
    return sorted(t for t in before.keys() | after.keys() if before.get(t) != after.get(t))
