"""On PostgreSQL the database itself refuses to edit or delete audit events.

A DELETE passes only for events older than a cutoff that the retention prune
wrote into ``core_auditprunewindow`` in the same transaction. (SQLite relies on
the ORM guards: Django's test flush deletes rows, and SQLite has no session
state a trigger could consult.)
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION core_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'audit events are append-only: UPDATE refused';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM core_auditprunewindow w WHERE OLD.occurred_at < w.cutoff) THEN
        RAISE EXCEPTION 'audit events are append-only: DELETE refused (retention prunes by age only)';
    END IF;
    RETURN OLD;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER core_auditevent_append_only
    BEFORE UPDATE OR DELETE ON core_auditevent
    FOR EACH ROW EXECUTE FUNCTION core_auditevent_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS core_auditevent_append_only ON core_auditevent;
DROP FUNCTION IF EXISTS core_auditevent_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
