"""Sensible property mappings on first setup (email, names, company, phone, title, country)."""

from django.db import migrations


def add_defaults(apps, schema_editor):
    from integrations.sync.mapping_rules import DEFAULT_MAPPINGS

    mapping = apps.get_model("integrations", "PropertyMapping")
    if mapping.objects.exists():
        return
    mapping.objects.bulk_create(
        mapping(hubspot_property=hs, salesforce_field=sf, rule=rule, position=i)
        for i, (hs, sf, rule) in enumerate(DEFAULT_MAPPINGS)
    )


class Migration(migrations.Migration):
    dependencies = [("integrations", "0003_contact_sync")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
