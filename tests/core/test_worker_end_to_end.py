"""A job goes through the real broker to a real qcluster process, and its
progress reaches the job page while it runs."""

import re
import time

import pytest
from django.test import Client
from django.urls import reverse

from core.models import SyncJob
from core.services.jobs import job_start
from tests.workers import QCluster


@pytest.fixture
def qcluster(transactional_db, tmp_path):
    cluster = QCluster(tmp_path)
    yield cluster
    cluster.stop()


def _counter(page: str, name: str) -> int:
    return int(re.search(rf'data-testid="{name}">(\d+)<', page).group(1))


def test_a_real_worker_runs_the_job_and_the_page_shows_progress(qcluster, admin_web: Client):
    job, _ = job_start(kind="test.count", scope="test:e2e", params={"steps": 30, "delay": 0.1})
    url = reverse("job_progress", args=[job.pk])
    seen_while_running: set[int] = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        page = admin_web.get(url).content.decode()
        if "Running" in page:
            seen_while_running.add(_counter(page, "seen"))
        if "Succeeded" in page:
            break
        time.sleep(0.2)
    else:
        pytest.fail(f"job did not finish; worker log:\n{qcluster.log()}")
    assert len(seen_while_running - {0, 30}) >= 2, seen_while_running
    assert _counter(page, "seen") == 30 and _counter(page, "salesforce-calls") == 30
    assert "hx-trigger" not in page  # polling stops once the job is done
    job.refresh_from_db()
    assert job.status == SyncJob.Status.SUCCEEDED
