"""One row per activity toggle of the Activities page, all off."""

from django.db import migrations


def add_rows(apps, schema_editor):
    from integrations.sync.activity_types import HUBSPOT_TO_SALESFORCE, SALESFORCE_TO_HUBSPOT

    activity_type = apps.get_model("integrations", "ActivityType")
    for kind in HUBSPOT_TO_SALESFORCE:
        activity_type.objects.get_or_create(key=kind.key, defaults={"direction": "hs_to_sf"})
    for kind in SALESFORCE_TO_HUBSPOT:
        activity_type.objects.get_or_create(key=kind.key, defaults={"direction": "sf_to_hs"})


class Migration(migrations.Migration):
    dependencies = [("integrations", "0005_activity_sync")]

    operations = [migrations.RunPython(add_rows, migrations.RunPython.noop)]
