"""Default property mappings are created after every migrate (``integrations.apps``),
which also covers a database flushed by the test runner; nothing to do here."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("integrations", "0003_contact_sync")]

    operations: list = []
