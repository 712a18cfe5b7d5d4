"""The schedules' entry points moved with the layout (integrations/sync/ became
integrations/engine/): django-q2 rows that still name the old dotted paths are rewritten
to the new ones (and back, when this migration is unapplied). The ensure-functions
write the new paths after every migrate as well; this covers a worker that reads the
schedules before post_migrate has run."""

from django.db import migrations

#: old dotted path -> new dotted path of each schedule's ``func``
MOVED = {
    "integrations.sync.jobs.scheduled_contact_sync": (
        "integrations.engine.contacts.jobs.scheduled_contact_sync"
    ),
    "integrations.sync.activity_jobs.scheduled_activity_sync": (
        "integrations.engine.activities.jobs.scheduled_activity_sync"
    ),
    "integrations.sync.reconcile_jobs.scheduled_reconcile": (
        "integrations.engine.reconcile.jobs.scheduled_reconcile"
    ),
}


def _rewrite(apps, pairs) -> None:
    Schedule = apps.get_model("django_q", "Schedule")
    for old, new in pairs:
        Schedule.objects.filter(func=old).update(func=new)


def forward(apps, schema_editor) -> None:
    _rewrite(apps, MOVED.items())


def backward(apps, schema_editor) -> None:
    _rewrite(apps, ((new, old) for old, new in MOVED.items()))


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0016_hubspot_ui_domain"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(forward, backward)]
