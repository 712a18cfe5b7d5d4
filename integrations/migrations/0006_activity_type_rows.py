"""Activity toggle rows are created after every migrate (``integrations.apps``),
which also covers a database flushed by the test runner; nothing to do here."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("integrations", "0005_activity_sync")]

    operations: list = []
