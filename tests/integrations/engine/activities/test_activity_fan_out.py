"""An activity sync fanned out across real qcluster processes: each enabled HubSpot type
is a unit that any worker takes. Both sides compared afterwards: every activity is one
task, and the job counts each once."""

from __future__ import annotations

import pytest

from core.models import JobUnit, SyncJob
from integrations.engine.activities.jobs import activities_sync_start
from integrations.engine.activities.units import TYPE_HANDLER
from integrations.models import ActivityLink
from tests.integrations.engine.activities.test_activity_units import (
    PER_CONTACT,
    TYPES,
    assert_each_activity_counted_once,
    enabled_a_day_ago,
    seed_every_type,
    subjects_by_contact,
)
from tests.workers import QCluster, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def two_clusters(tmp_path):
    clusters = [QCluster(tmp_path, workers=1) for _ in range(2)]
    yield clusters
    for cluster in clusters:
        cluster.stop()


def test_the_type_units_run_on_two_qclusters_and_write_each_task_once(
    sandbox, hubspot, salesforce, synced, two_clusters
) -> None:
    enabled_a_day_ago(*TYPES)
    expected = seed_every_type(hubspot, synced)
    # slow task writes: a type's unit takes a while, so both clusters are busy at once
    sandbox.salesforce.fault(
        method="POST", path="*/composite/sobjects*", latency_ms=1500, count=1000
    )

    job, _ = activities_sync_start()
    wait_for(lambda: not SyncJob.objects.get(pk=job.pk).is_active, 180, f"job #{job.pk}")

    job = SyncJob.objects.get(pk=job.pk)
    logs = "\n".join(cluster.log()[-2000:] for cluster in two_clusters)
    assert job.status == SyncJob.Status.SUCCEEDED, f"{job.error}\n{logs}"
    units = JobUnit.objects.filter(job=job, handler=TYPE_HANDLER)
    assert units.count() == len(TYPES)
    assert set(units.values_list("status", flat=True)) == {JobUnit.Status.DONE}
    assert len(set(units.values_list("worker", flat=True))) == 2, logs  # both took units
    assert subjects_by_contact(salesforce, synced) == {
        who: sorted(subjects) for who, subjects in expected.items()
    }
    total = len(TYPES) * PER_CONTACT * len(synced)
    assert ActivityLink.objects.filter(source="hubspot").exclude(salesforce_id="").count() == total
    assert (job.created, job.failed) == (total, 0)
    assert_each_activity_counted_once(job)
