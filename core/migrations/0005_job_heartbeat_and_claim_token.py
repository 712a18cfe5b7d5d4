from django.db import migrations, models
from django.db.models import F


def running_jobs_beat_from_their_last_change(apps, schema_editor) -> None:
    """A job running across the upgrade is judged on its last progress, as before."""
    SyncJob = apps.get_model("core", "SyncJob")
    SyncJob.objects.filter(status="running").update(heartbeat_at=F("updated_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_longer_error_category"),
    ]

    operations = [
        migrations.AddField(
            model_name="syncjob",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="syncjob",
            name="run_token",
            field=models.UUIDField(blank=True, null=True),
        ),
        migrations.RunPython(running_jobs_beat_from_their_last_change, migrations.RunPython.noop),
    ]
