"""The audit trail's hash chain (``core.audit_chain``): two fields on every event, the
chain's head and the last verification; the events already there are chained in id
order.

The triggers refuse every UPDATE of an event, so this migration lifts them for its
own UPDATEs and puts them back before it commits (one transaction: no other
connection ever sees the table without them; ``post_migrate`` checks them again).
"""

from django.db import migrations, models

BATCH = 2000


def chain_existing(apps, schema_editor):
    from core.audit_chain import CHAIN_FIELDS, GENESIS, HEAD_PK, chain_digest
    from core.audit_triggers import audit_triggers_install, audit_triggers_remove

    connection = schema_editor.connection
    alias = connection.alias
    events = apps.get_model("core", "AuditEvent").objects.using(alias).order_by("id")
    head = apps.get_model("core", "AuditChainHead").objects.using(alias)
    fields = [name for name in CHAIN_FIELDS if name != "chain_prev_id"]
    table = apps.get_model("core", "AuditEvent")._meta.db_table
    previous_id, previous_hash = None, GENESIS
    audit_triggers_remove(connection)
    try:
        while True:
            rows = list(events.filter(id__gt=previous_id or 0).values(*fields)[:BATCH])
            if not rows:
                break
            links = []
            for row in rows:
                row["chain_prev_id"] = previous_id
                digest = chain_digest(previous_hash, row)
                links.append((previous_id, digest, row["id"]))
                previous_id, previous_hash = row["id"], digest
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"UPDATE {table} SET chain_prev_id = %s, chain_hash = %s WHERE id = %s",
                    links,
                )
        head.update_or_create(
            pk=HEAD_PK, defaults={"last_id": previous_id, "last_hash": previous_hash}
        )
    finally:
        audit_triggers_install(connection)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0008_audit_triggers_everywhere"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditChainCheck",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("checked_at", models.DateTimeField()),
                ("full", models.BooleanField(default=True)),
                ("ok", models.BooleanField()),
                ("events", models.BigIntegerField(default=0)),
                ("up_to_id", models.BigIntegerField(null=True)),
                ("up_to_hash", models.CharField(blank=True, max_length=64)),
                ("broken_id", models.BigIntegerField(null=True)),
                ("reason", models.TextField(blank=True)),
                ("full_ok_at", models.DateTimeField(null=True)),
            ],
            options={
                "verbose_name": "audit chain check",
            },
        ),
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("last_id", models.BigIntegerField(null=True)),
                ("last_hash", models.CharField(blank=True, max_length=64)),
                ("anchor_id", models.BigIntegerField(null=True)),
                ("anchor_hash", models.CharField(blank=True, max_length=64)),
                ("anchor_at", models.DateTimeField(null=True)),
            ],
            options={
                "verbose_name": "audit chain head",
            },
        ),
        migrations.AddField(
            model_name="auditevent",
            name="chain_hash",
            field=models.CharField(blank=True, editable=False, max_length=64, null=True),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="chain_prev_id",
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.CreateModel(
            name="AuditChainGap",
            fields=[
                ("event_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("prev_id", models.BigIntegerField(null=True)),
                ("chain_hash", models.CharField(blank=True, max_length=64)),
            ],
            options={
                "verbose_name": "audit chain gap",
                "indexes": [models.Index(fields=["prev_id"], name="audit_chain_gap_prev")],
            },
        ),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
    ]
