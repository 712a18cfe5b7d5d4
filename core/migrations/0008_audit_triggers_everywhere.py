"""The database refuses to edit or delete audit events on SQLite too, and on
PostgreSQL refuses TRUNCATE and any prune window it did not bound.

See ``core.audit_triggers``; ``post_migrate`` installs the triggers again after
every ``migrate`` (SQLite drops them when a later migration rebuilds the table).
"""

from django.db import migrations, models


def forward(apps, schema_editor):
    from core.audit_triggers import audit_triggers_install

    audit_triggers_install(schema_editor.connection)


def backward(apps, schema_editor):
    from core.audit_triggers import audit_triggers_remove

    audit_triggers_remove(schema_editor.connection)
    if schema_editor.connection.vendor == "postgresql":
        from importlib import import_module

        initial = import_module("core.migrations.0002_audit_append_only_trigger")
        schema_editor.execute(initial.FORWARD)


class Migration(migrations.Migration):
    dependencies = [("core", "0007_job_outcome_buckets")]

    operations = [
        migrations.AddField(
            model_name="auditprunewindow",
            name="txid",
            field=models.BigIntegerField(editable=False, null=True),
        ),
        migrations.RunPython(forward, backward),
    ]
