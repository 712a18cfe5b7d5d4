"""Real django-q2 ``qcluster`` processes for end-to-end tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db import connection
from django_q.brokers import get_broker

ROOT = Path(__file__).resolve().parent.parent


def test_database_url() -> str:
    """The URL of the database this test run uses, for child processes."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    host = db.get("HOST") or "127.0.0.1"
    return f"postgres://{user}@{host}:{db.get('PORT') or 5432}/{db['NAME']}"


class QCluster:
    """``python manage.py qcluster`` on the test database and broker."""

    def __init__(self, log_dir: Path, workers: int = 2, *, purge: bool = True) -> None:
        """``purge=False``: keep the tasks already queued (a cluster joining a running job
        takes its queued units)."""
        if purge:
            get_broker().purge_queue()
        env = {
            **os.environ,
            "DATABASE_URL": test_database_url(),
            "Q_CLUSTER_NAME": settings.Q_CLUSTER["name"],
            "Q_WORKERS": str(workers),
            "JOB_KIND_MODULES": "tests.job_kinds",
            "SYNCADMIN_DATA_DIR": str(settings.DATA_DIR),
        }
        self.log_file = log_dir / f"qcluster-{time.monotonic_ns()}.log"
        self._log = self.log_file.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "qcluster"],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def log(self) -> str:
        return self.log_file.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def descendants(pid: int) -> list[int]:
    """``pid`` and every process it started, however deep."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def kill_hard(process: subprocess.Popen) -> None:
    """SIGKILL a process and every process it started: a worker host that dies."""
    import contextlib
    import signal

    for pid in descendants(process.pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    process.wait()


def wait_for(predicate, timeout: float = 60, what: str = "the condition") -> None:
    """Poll ``predicate`` until it is true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)
