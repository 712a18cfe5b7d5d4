"""Grant a PostgreSQL role what the app needs, and no way to rewrite the audit trail.

    python manage.py audit_grants syncadmin_app           # print the SQL
    python manage.py audit_grants syncadmin_app --apply   # run it (as the owner role)

The owner of a table can ``ALTER TABLE ... DISABLE TRIGGER``, so the app must
not connect as the role that owns the tables (the one ``migrate`` runs as). The
role named here gets SELECT/INSERT/UPDATE/DELETE on every table and sequence of
the schema, never TRUNCATE, and no UPDATE on the audit tables; the triggers
refuse the rest (edits, and deletes outside the retention prune).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

AUDIT_TABLES = ("core_auditevent", "core_auditprunewindow")


def audit_grants_sql(*, role: str, schema: str = "public") -> list[str]:
    """The statements that let ``role`` run the app without owning the audit trail."""
    who, where = connection.ops.quote_name(role), connection.ops.quote_name(schema)
    statements = [
        f"GRANT USAGE ON SCHEMA {where} TO {who}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {where} TO {who}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {where} TO {who}",
        f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA {where} FROM {who}",
    ]
    statements += [f"REVOKE UPDATE ON {where}.{table} FROM {who}" for table in AUDIT_TABLES]
    return statements


class Command(BaseCommand):
    help = (
        "Print (or --apply) PostgreSQL grants for an app role that cannot rewrite the audit trail."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("role", help="the role the app connects as (not the tables' owner)")
        parser.add_argument("--schema", default="public")
        parser.add_argument("--apply", action="store_true", help="run the statements now")

    def handle(self, *args: Any, role: str, schema: str, apply: bool, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError(
                "Grants apply to PostgreSQL only; on SQLite the triggers are the protection."
            )
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT r.rolsuper OR pg_has_role(r.oid, c.relowner, 'USAGE')"
                " FROM pg_roles r, pg_class c WHERE r.rolname = %s AND c.oid = %s::regclass",
                [role, f"{schema}.core_auditevent"],
            )
            row = cursor.fetchone()
        if row is None:
            raise CommandError(f"There is no role {role!r}: create it first (CREATE ROLE ...).")
        if row[0]:
            raise CommandError(
                f"{role!r} owns the audit table (or is a superuser) and could disable its "
                "triggers: run the app as another role."
            )
        statements = audit_grants_sql(role=role, schema=schema)
        if not apply:
            self.stdout.write(";\n".join(statements) + ";")
            return
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        self.stdout.write(
            f"Granted {role} the app's access; it cannot TRUNCATE or UPDATE the audit trail."
        )
