"""Two worker processes share one HubSpot limit and never draw a 429 from HubSpot.

The children are real processes on the test database (or Redis, when the run
uses it), so the only thing keeping them under the sandbox's limit is the
shared bucket in ``integrations.http.ratelimit``. A 429 would be retried by the
transport and show up as an extra call in both the workers' meters and the
sandbox's own accounting.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from tests.workers import test_database_url as database_url

ROOT = Path(__file__).resolve().parents[3]


def _run_two_workers(sandbox, *, calls: int, limit: int, per_second: int, kind: str) -> float:
    info = sandbox.info["hubspot"]
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "Q_CLUSTER_NAME": settings.Q_CLUSTER["name"],
        "DJANGO_SETTINGS_MODULE": "syncadmin.settings",
    }
    args = [
        sys.executable,
        "-m",
        "tests.integrations.hubspot.hammer",
        info["base_url"],
        info["access_token"],
    ]
    args += [str(calls), str(limit), str(per_second), kind]
    started = time.monotonic()
    workers = [
        subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [w.communicate(timeout=60) for w in workers]
    elapsed = time.monotonic() - started
    for worker, (_, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err
    counted = [json.loads(out)["calls"] for out, _ in outputs]
    assert counted == [calls, calls]  # no attempt was retried in either worker
    assert sandbox.hubspot.calls()["total"] == 2 * calls
    return elapsed


@pytest.mark.django_db(transaction=True)
def test_two_workers_together_stay_under_the_ten_second_limit(sandbox):
    # 40 calls against 30 per 10 s: some must wait for the window to roll (~10 s)
    sandbox.hubspot.control("PATCH", "settings", {"ten_second_limit": 30})
    elapsed = _run_two_workers(sandbox, calls=20, limit=30, per_second=5, kind="details")
    assert elapsed >= 10


@pytest.mark.django_db(transaction=True)
def test_two_workers_together_stay_under_the_search_limit(sandbox):
    # 12 searches against 3 per second: at least three more windows
    sandbox.hubspot.control("PATCH", "settings", {"search_per_second": 3})
    elapsed = _run_two_workers(sandbox, calls=6, limit=190, per_second=3, kind="search")
    assert elapsed >= 3


@pytest.mark.django_db(transaction=True)
def test_a_call_that_waited_for_the_bucket_lock_counts_from_when_it_got_it(monkeypatch):
    """Under load a worker can wait for the bucket's lock (another worker, a busy
    database). Its call goes out when it gets the lock, so that is when it must count:
    counted from before the wait, the next calls would be let through early and HubSpot
    would see more than its limit in one window. (The database's bucket; the SQLite
    bucket file's is the next test.)"""
    import threading

    from django.db import connection, transaction

    from integrations.http import ratelimit
    from integrations.models import RateLimitBucket, RateLimitCall

    monkeypatch.setattr(ratelimit, "_admit_for", lambda: ratelimit._admit_db)
    RateLimitBucket.objects.create(name="test:lock")
    held, released = threading.Event(), {}

    def hold_the_lock() -> None:
        with transaction.atomic():
            RateLimitBucket.objects.select_for_update().filter(name="test:lock").update(
                name="test:lock"
            )
            held.set()
            time.sleep(1.0)
            released["at"] = time.time()
        connection.close()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    held.wait(10)
    ratelimit.rate_limit_acquire("test:lock", limit=1, window_s=1.0)
    holder.join()
    (call,) = RateLimitCall.objects.filter(bucket_id="test:lock")
    assert call.at >= released["at"] - 0.05


@pytest.mark.skipif(
    bool(settings.REDIS_URL) or "sqlite" not in settings.DATABASES["default"]["ENGINE"],
    reason="the bucket files are SQLite's (PostgreSQL runs use Redis)",
)
def test_a_call_that_waited_for_the_bucket_file_counts_from_when_it_got_it():
    """The same on SQLite, whose windows are files beside the database under ``flock``:
    a call that waited for another worker's lock is recorded when it got it."""
    import fcntl
    import threading
    from array import array

    from integrations.http import ratelimit

    ratelimit.rate_limit_reset()
    folder = ratelimit._windows_dir()
    folder.mkdir(exist_ok=True)
    path = folder / "test_file"
    held, released = threading.Event(), {}

    def hold_the_lock() -> None:
        with open(path, "a+b") as locked:
            fcntl.flock(locked, fcntl.LOCK_EX)
            held.set()
            time.sleep(1.0)
            released["at"] = time.time()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    held.wait(10)
    ratelimit.rate_limit_acquire("test:file", limit=1, window_s=1.0)
    holder.join()
    (recorded,) = array("d", path.read_bytes())
    assert recorded >= released["at"] - 0.05


def test_a_bucket_file_admits_no_more_than_its_limit_per_window():
    """Six calls against 3 per second on SQLite's bucket files: the fourth waits for the
    window to roll, and every window holds at most 3."""
    from integrations.http import ratelimit

    if settings.REDIS_URL or "sqlite" not in settings.DATABASES["default"]["ENGINE"]:
        pytest.skip("the bucket files are SQLite's (PostgreSQL runs use Redis)")
    ratelimit.rate_limit_reset()
    started = time.time()
    at = []
    for _ in range(6):
        ratelimit.rate_limit_acquire("test:six", limit=3, window_s=1.0)
        at.append(time.time())
    assert at[3] - started >= 1.0
    assert all(later - earlier >= 1.0 for earlier, later in zip(at, at[3:], strict=False))
