"""The schedules' dotted paths: what the code writes imports, and a database that still
holds the paths from before integrations/sync/ moved is rewritten by migration 0017."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils.module_loading import import_string
from django_q.models import Schedule

from integrations.engine.activities.jobs import activity_schedule_ensure
from integrations.engine.contacts.jobs import contact_schedule_ensure
from integrations.engine.reconcile.jobs import reconcile_schedule_ensure

BEFORE = ("integrations", "0016_hubspot_ui_domain")
AFTER = ("integrations", "0017_schedule_paths")
OLD_TO_NEW = {
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


@pytest.mark.django_db
def test_every_schedule_the_code_writes_names_a_function_that_imports() -> None:
    written = [
        contact_schedule_ensure(minutes=15),
        activity_schedule_ensure(minutes=15),
        reconcile_schedule_ensure(),
    ]
    assert {s.func for s in written} == set(OLD_TO_NEW.values())
    for schedule in Schedule.objects.all():  # the platform's own schedules too
        assert callable(import_string(schedule.func)), schedule.func


def _migrate(target: tuple[str, str]) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([target])


@pytest.mark.django_db(transaction=True)
def test_the_migration_rewrites_the_old_paths_and_back() -> None:
    _migrate(BEFORE)
    try:
        Schedule.objects.all().delete()
        for i, old in enumerate(OLD_TO_NEW):
            Schedule.objects.create(name=f"old {i}", func=old, schedule_type=Schedule.MINUTES)
        Schedule.objects.create(name="other", func="core.tasks.watch_jobs")

        _migrate(AFTER)
        funcs = set(Schedule.objects.values_list("func", flat=True))
        assert funcs == {*OLD_TO_NEW.values(), "core.tasks.watch_jobs"}

        _migrate(BEFORE)
        funcs = set(Schedule.objects.values_list("func", flat=True))
        assert funcs == {*OLD_TO_NEW, "core.tasks.watch_jobs"}
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
