from django.db import migrations, models


class Migration(migrations.Migration):
    """One running (or parked) job per scope; any number queued behind it, but never two
    identical ones."""

    dependencies = [
        ("core", "0005_job_heartbeat_and_claim_token"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="syncjob",
            name="one_active_job_per_scope",
        ),
        migrations.AddField(
            model_name="syncjob",
            name="request_key",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddConstraint(
            model_name="syncjob",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status__in", ["running", "waiting"])),
                fields=("scope",),
                name="one_running_job_per_scope",
            ),
        ),
        migrations.AddConstraint(
            model_name="syncjob",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "queued")),
                fields=("scope", "request_key"),
                name="one_queued_job_per_request",
            ),
        ),
    ]
