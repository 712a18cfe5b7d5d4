"""The database's own refusal to edit or delete audit events (SQLite and PostgreSQL).

The ORM guards in ``core.models.audit`` stop honest code; these triggers stop
everything else that reaches the database: ``_base_manager`` updates,
``bulk_update``, ``save(force_update=True)``, upserts, ``_raw_delete`` and raw
SQL. An event leaves the trail only through ``audit_prune``: it writes an
``AuditPruneWindow`` row, deletes events older than its cutoff and removes the
row, all in one transaction.

- Both: UPDATE is refused; DELETE passes only for events older than the cutoff
  of a window row; a window row's cutoff may not be newer than
  ``AUDIT_RETENTION_MIN_DAYS`` ago, and window rows cannot be edited.
- SQLite: an INSERT reusing an existing id (``REPLACE``, whose implicit delete
  fires no trigger) is refused.
- PostgreSQL: TRUNCATE is refused, and a window row opens deletes only in the
  transaction that wrote it (its ``txid``, set by the database), so a row left
  behind opens nothing later.

SQLite drops a table's triggers when a migration rebuilds the table, so
``audit_triggers_install`` runs again after every ``migrate`` (idempotent).
The minimum retention is written into the PostgreSQL function then too.
"""

from __future__ import annotations

from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper

#: the app and the database clocks may differ a little; a window cannot be widened by more
CLOCK_SKEW_MINUTES = 5

UPDATE_REFUSED = "audit events are append-only: UPDATE refused"
DELETE_REFUSED = "audit events are append-only: DELETE refused (retention prunes by age only)"
TRUNCATE_REFUSED = "audit events are append-only: TRUNCATE refused"

_SQLITE = [
    "DROP TRIGGER IF EXISTS core_auditevent_no_update",
    "DROP TRIGGER IF EXISTS core_auditevent_no_delete",
    "DROP TRIGGER IF EXISTS core_auditevent_no_replace",
    f"""CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE ON core_auditevent
    BEGIN SELECT RAISE(ABORT, '{UPDATE_REFUSED}'); END""",
    f"""CREATE TRIGGER core_auditevent_no_delete BEFORE DELETE ON core_auditevent
    WHEN NOT EXISTS (SELECT 1 FROM core_auditprunewindow w WHERE OLD.occurred_at < w.cutoff)
    BEGIN SELECT RAISE(ABORT, '{DELETE_REFUSED}'); END""",
    f"""CREATE TRIGGER core_auditevent_no_replace BEFORE INSERT ON core_auditevent
    WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM core_auditevent e WHERE e.id = NEW.id)
    BEGIN SELECT RAISE(ABORT, '{UPDATE_REFUSED}'); END""",
]

_SQLITE_WINDOW = [
    "DROP TRIGGER IF EXISTS core_auditprunewindow_bounded",
    "DROP TRIGGER IF EXISTS core_auditprunewindow_no_update",
    # Django stores datetimes as UTC text "YYYY-MM-DD HH:MM:SS.ffffff", which sorts as time.
    """CREATE TRIGGER core_auditprunewindow_bounded BEFORE INSERT ON core_auditprunewindow
    WHEN NEW.cutoff IS NULL OR NEW.cutoff > strftime('%Y-%m-%d %H:%M:%f', 'now',
        '-{min_days} days', '+{skew} minutes')
    BEGIN SELECT RAISE(ABORT, 'audit prune window refused: events younger than {min_days}
        days (AUDIT_RETENTION_MIN_DAYS) are never pruned'); END""",
    """CREATE TRIGGER core_auditprunewindow_no_update BEFORE UPDATE ON core_auditprunewindow
    BEGIN SELECT RAISE(ABORT, 'audit prune windows cannot be edited'); END""",
]

_POSTGRESQL = """
CREATE OR REPLACE FUNCTION core_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION '{update}';
    END IF;
    IF NOT EXISTS (
        SELECT 1 FROM core_auditprunewindow w
        WHERE OLD.occurred_at < w.cutoff AND w.txid = txid_current()
    ) THEN
        RAISE EXCEPTION '{delete}';
    END IF;
    RETURN OLD;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION core_auditevent_no_truncate() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{truncate}';
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION core_auditprunewindow_bounded() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'audit prune windows cannot be edited';
    END IF;
    IF NEW.cutoff IS NULL OR NEW.cutoff > clock_timestamp()
            - make_interval(days => {min_days}) + make_interval(mins => {skew}) THEN
        RAISE EXCEPTION 'audit prune window refused: events younger than {min_days} days '
            '(AUDIT_RETENTION_MIN_DAYS) are never pruned';
    END IF;
    NEW.txid := txid_current();
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS core_auditevent_append_only ON core_auditevent;
CREATE TRIGGER core_auditevent_append_only
    BEFORE UPDATE OR DELETE ON core_auditevent
    FOR EACH ROW EXECUTE FUNCTION core_auditevent_append_only();

DROP TRIGGER IF EXISTS core_auditevent_no_truncate ON core_auditevent;
CREATE TRIGGER core_auditevent_no_truncate
    BEFORE TRUNCATE ON core_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION core_auditevent_no_truncate();

DROP TRIGGER IF EXISTS core_auditprunewindow_bounded ON core_auditprunewindow;
CREATE TRIGGER core_auditprunewindow_bounded
    BEFORE INSERT OR UPDATE ON core_auditprunewindow
    FOR EACH ROW EXECUTE FUNCTION core_auditprunewindow_bounded();
"""


def audit_triggers_install(connection: BaseDatabaseWrapper) -> None:
    """(Re)create the triggers on ``connection``'s database; safe to run any number of times."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for statement in _SQLITE:
                cursor.execute(statement)
            for statement in _SQLITE_WINDOW:
                cursor.execute(
                    statement.format(
                        min_days=int(settings.AUDIT_RETENTION_MIN_DAYS), skew=CLOCK_SKEW_MINUTES
                    )
                )
        elif connection.vendor == "postgresql":
            cursor.execute(
                _POSTGRESQL.format(
                    update=UPDATE_REFUSED,
                    delete=DELETE_REFUSED,
                    truncate=TRUNCATE_REFUSED,
                    min_days=int(settings.AUDIT_RETENTION_MIN_DAYS),
                    skew=CLOCK_SKEW_MINUTES,
                )
            )


def audit_triggers_remove(connection: BaseDatabaseWrapper) -> None:
    """Drop the triggers (only for tearing a test database down; never in the app)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for statement in _SQLITE[:3] + _SQLITE_WINDOW[:2]:
                cursor.execute(statement)
        elif connection.vendor == "postgresql":
            cursor.execute(
                "DROP TRIGGER IF EXISTS core_auditevent_append_only ON core_auditevent;"
                "DROP TRIGGER IF EXISTS core_auditevent_no_truncate ON core_auditevent;"
                "DROP TRIGGER IF EXISTS core_auditprunewindow_bounded ON core_auditprunewindow;"
            )
