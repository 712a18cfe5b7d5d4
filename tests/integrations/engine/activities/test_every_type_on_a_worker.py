"""All 18 activity types on at once, synced by a real django-q2 worker (``qcluster``),
the way "Sync activities now" runs: every type's record inside its window arrives as
the right task or engagement, none outside it does, and the job ends succeeded."""

from __future__ import annotations

import pytest

from core.models import SyncJob
from integrations.engine.activities.jobs import activities_sync_start
from integrations.models import ActivityLink
from tests.integrations.engine.activities.conftest import enable, now, seed, tasks_of, timedelta
from tests.integrations.engine.activities.test_every_type_syncs import (
    ANN,
    CASES,
    SALESFORCE_CASES,
    create_activity,
)
from tests.workers import QCluster, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker(tmp_path):
    cluster = QCluster(tmp_path)
    yield cluster
    cluster.stop()


def test_every_type_syncs_on_a_real_worker(hubspot, salesforce, synced, worker) -> None:
    link = synced[ANN]
    contact = {"email": ANN, "hubspot_id": link.hubspot_id}
    for case in CASES.values():  # outside each window: before it opened
        seed(hubspot, case.item(contact, now() - case.reach_back - timedelta(days=1), "Too old"))
    for case in SALESFORCE_CASES:
        create_activity(salesforce, case, link.salesforce_id, "Too old", case.subtype)
    for key in [*CASES, "sf_tasks", "sf_emails", "sf_calls", "sf_meetings"]:
        enable(key)
    for key, case in CASES.items():  # inside each window
        when = now() - case.reach_back + timedelta(days=1) if case.reach_back else now()
        seed(hubspot, case.item(contact, when + timedelta(seconds=1), key))
    after = {
        create_activity(
            salesforce, case, link.salesforce_id, f"{case.key} {case.subtype}", case.subtype
        ): case
        for case in SALESFORCE_CASES
    }

    job, _ = activities_sync_start()
    wait_for(lambda: not SyncJob.objects.get(pk=job.pk).is_active, 240, f"job #{job.pk}")

    job = SyncJob.objects.get(pk=job.pk)
    assert job.status == SyncJob.Status.SUCCEEDED, f"{job.error}\n{worker.log()[-3000:]}"
    written = set(
        ActivityLink.objects.filter(source="hubspot").values_list("salesforce_id", flat=True)
    )
    subjects = {
        t["Subject"] for t in tasks_of(salesforce, link.salesforce_id) if t["Id"] in written
    }
    assert subjects == {case.subject.replace("Kickoff", key) for key, case in CASES.items()}
    back = {
        row.salesforce_id: row.hubspot_id.partition(":")[0]
        for row in ActivityLink.objects.filter(source="salesforce")
    }
    assert back == {record: case.hubspot_object for record, case in after.items()}
    assert job.created == len(CASES) + len(SALESFORCE_CASES)
