"""Two worker processes share one HubSpot limit and never draw a 429 from HubSpot."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

from tests.sandbox import ROOT
from tests.workers import test_database_url as database_url

LIMIT = 30
CALLS_PER_WORKER = 20  # 40 calls at 30 per 10 s: the limiter must hold some back


@pytest.mark.django_db(transaction=True)
def test_two_workers_together_stay_under_the_ten_second_limit(sandbox):
    sandbox.hubspot.control("PATCH", "settings", {"ten_second_limit": LIMIT})
    info = sandbox.info["hubspot"]
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "Q_CLUSTER_NAME": settings.Q_CLUSTER["name"],
        "DJANGO_SETTINGS_MODULE": "syncadmin.settings",
    }
    args = [sys.executable, "-m", "tests.hubspot.hammer", info["base_url"], info["access_token"]]
    workers = [
        subprocess.Popen(
            [*args, str(CALLS_PER_WORKER), str(LIMIT)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [w.communicate(timeout=60) for w in workers]
    for worker, (_, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err

    counted = [json.loads(out)["calls"] for out, _ in outputs]
    assert counted == [CALLS_PER_WORKER, CALLS_PER_WORKER]  # no retried attempt anywhere
    seen = sandbox.hubspot.calls()
    assert seen["total"] == 2 * CALLS_PER_WORKER  # a 429 would have been retried and counted
