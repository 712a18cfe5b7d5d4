"""Helpers of the hash chain tests: run ``audit verify``, and tamper past the triggers."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.db import connection

from core.audit_triggers import audit_triggers_install, audit_triggers_remove


def verify(*args: str) -> tuple[int, str]:
    """``python manage.py audit verify [args]``: (exit code, everything it printed)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("audit", "verify", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue() + err.getvalue()
    return 0, out.getvalue() + err.getvalue()


def tamper(statement: str, params: list | None = None) -> None:
    """Run raw SQL with the audit triggers lifted, as a database superuser could."""
    audit_triggers_remove(connection)
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement, params or [])
    finally:
        audit_triggers_install(connection)
