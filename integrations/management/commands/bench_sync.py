"""Benchmark contact sync end to end, on a sandbox and a database of its own.

    python manage.py bench_sync --contacts 10000 [--latency-ms 20] [--workers 1,4]
                                [--latency-model fast|realistic] [--database-url URL]

Seeds the sandbox with N HubSpot contacts (half of them already in Salesforce
by email) and an active inclusion list holding 80% of them; runs a full sync
through the real job machinery (a real broker and ``--workers`` qcluster
processes of one worker each), then an immediate second run with nothing changed.
``--workers 1,4`` runs all of it once per worker count, each on a fresh sandbox and
database, prints each run's lines, then ``initial.wall_s.workersN`` for each and
``scaling.workersM_vs_N`` (the first count's initial wall time over the last's). After each of
the two, a Reconcile compares both sides (one ``reconcile.*`` line each: after
the initial sync, then after the incremental one; 0 missing / drift /
duplicates after a correct sync; each in fresh workers, so ``reconcile.peak_rss_mb``
is the Reconcile's alone). API calls are counted by the sandbox, not by
our clients. Prints ``key=value`` lines, among them how close the initial run came
to the vendors' limits (``limits.*``, recorded by the sandbox; ``limits.exceeded`` is
the requests it refused for a limit) and ``initial.bound_s``, the shortest time the
limits allow for the calls it made: HubSpot calls / 19 per s, search calls / 5 per
s, or Salesforce call-seconds / the concurrency used, whichever is largest.

Everything runs in a throwaway data folder (SQLite database, keys, sandbox CA)
that is deleted afterwards; ``--database-url`` uses that PostgreSQL server instead
of SQLite: a ``bench_syncadmin_<pid>`` database is created there and dropped after,
so the database the URL names is never touched.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from integrations.sandbox.demo import BENCH_LIST

ROOT = Path(settings.BASE_DIR)

#: sandbox endpoints that only read; every other call is a write
READ_ENDPOINTS = (
    "search",
    "batch/read",
    "query",
    "describe",
    "limits",
    "memberships",
    "/lists/",
    "/Soap/",  # login
)


def _descendants(pid: int) -> list[int]:
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


def _peak_rss_mb(pid: int) -> float:
    """The largest peak resident set (VmHWM) among a process and its descendants."""
    peak = 0
    for each in _descendants(pid):
        try:
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except OSError:
            continue
    return peak / 1024


def _workers_start(count: int) -> list[subprocess.Popen]:
    """``count`` qcluster processes, once each has started its worker processes."""
    workers = [
        subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "qcluster"],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and any(len(_descendants(w.pid)) < 3 for w in workers):
        time.sleep(0.2)
    time.sleep(1)
    return workers


def _workers_stop(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        worker.wait(30)


def _is_write(endpoint: str) -> bool:
    method, _, path = endpoint.partition(" ")
    if method == "GET":
        return False
    return not any(marker in path for marker in READ_ENDPOINTS)


class Command(BaseCommand):
    help = "Benchmark a full contact sync and an incremental one against the sandbox."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--contacts", type=int, default=10_000)
        parser.add_argument("--latency-ms", type=int, default=0)
        parser.add_argument(
            "--latency-model",
            choices=("fast", "realistic"),
            default="fast",
            help="realistic: the vendors' per-endpoint latencies (see docs/sandbox.md)",
        )
        parser.add_argument("--latency-seed", type=int, default=0)
        parser.add_argument(
            "--workers",
            type=_worker_counts,
            default=[1],
            help="qcluster processes (one worker each); a list such as 1,4 runs once per count",
        )
        parser.add_argument(
            "--activities", type=int, default=0, help="also sync M activities of every type"
        )
        parser.add_argument("--database-url", default="", help="default: SQLite in a temp dir")
        parser.add_argument("--inner", action="store_true", help=argparse_hidden())

    def handle(self, *args: Any, **options: Any) -> None:
        if options["inner"]:
            self._bench(options)
            return
        walls: dict[int, float] = {}
        for workers in options["workers"]:
            output = self._bench_once(options, workers)
            self.stdout.write(output, ending="")
            walls[workers] = _figure(output, "initial.wall_s")
        if len(walls) > 1:
            self.stdout.write(
                " ".join(f"initial.wall_s.workers{n}={w:.2f}" for n, w in walls.items())
            )
            first, last = options["workers"][0], options["workers"][-1]
            self.stdout.write(
                f"scaling.workers{last}_vs_{first}={walls[first] / max(walls[last], 0.001):.2f}"
            )

    def _bench_once(self, options: dict[str, Any], workers: int) -> str:
        """One whole benchmark in a throwaway environment; its ``key=value`` lines."""
        with tempfile.TemporaryDirectory(prefix="bench-sync-") as data_dir:
            env = {
                **os.environ,
                "SYNCADMIN_DATA_DIR": data_dir,
                "SYNCADMIN_ENCRYPTION_KEYS": "",
                "Q_CLUSTER_NAME": f"bench-sync-{os.getpid()}-{workers}",
                "Q_WORKERS": "1",
                "LOG_LEVEL": "WARNING",
            }
            env.pop("DATABASE_URL", None)
            command = [sys.executable, str(ROOT / "manage.py"), "bench_sync", "--inner"]
            command += ["--contacts", str(options["contacts"])]
            command += ["--latency-ms", str(options["latency_ms"])]
            command += ["--latency-model", options["latency_model"]]
            command += ["--latency-seed", str(options["latency_seed"])]
            command += ["--workers", str(workers)]
            command += ["--activities", str(options["activities"])]
            with _bench_database(options["database_url"]) as database_url:
                if database_url:
                    env["DATABASE_URL"] = database_url
                result = subprocess.run(
                    command, env=env, cwd=ROOT, check=False, stdout=subprocess.PIPE, text=True
                )
            if result.returncode:
                self.stdout.write(result.stdout)
                raise CommandError(f"bench_sync failed (exit {result.returncode})")
            return result.stdout

    # --- inside the throwaway environment ----------------------------------------------
    def _bench(self, options: dict[str, Any]) -> None:
        from integrations.sandbox.process import Sandbox

        call_command("migrate", verbosity=0)
        data_dir = Path(settings.DATA_DIR)
        started = time.monotonic()
        sandbox = Sandbox(
            data_dir,
            seed="bench",
            extra_args=["--contacts", str(options["contacts"])],
            latency_model=options["latency_model"],
            latency_ms=options["latency_ms"],
            latency_seed=options["latency_seed"],
        )
        self.stderr.write(f"sandbox seeded in {time.monotonic() - started:.1f} s")
        workers: list[subprocess.Popen] = []
        try:
            self._connect(sandbox)
            workers = _workers_start(options["workers"][0])
            initial = self._run_job(sandbox, "all")
            peak = initial_peak = max(_peak_rss_mb(w.pid) for w in workers)
            reconciles = [self._run_reconcile(sandbox, workers)]
            incremental = self._run_job(sandbox, "incremental")
            peak = max(peak, *(_peak_rss_mb(w.pid) for w in workers))
            reconciles.append(self._run_reconcile(sandbox, workers))
            activities = (
                self._run_activities(sandbox, options["activities"])
                if options["activities"]
                else None
            )
            peak = max(peak, *(_peak_rss_mb(w.pid) for w in workers))
        finally:
            _workers_stop(workers)
            sandbox.stop()
        n = options["contacts"]
        calls = initial["hubspot_calls"] + initial["salesforce_calls"]
        self.stdout.write(
            f"initial.contacts={n} initial.wall_s={initial['wall_s']:.2f} "
            f"initial.contacts_per_s={n / initial['wall_s']:.0f} "
            f"initial.hubspot_calls={initial['hubspot_calls']} "
            f"initial.salesforce_calls={initial['salesforce_calls']} "
            f"initial.calls_per_contact={calls / n:.4f} "
            f"initial.created={initial['created']} initial.updated={initial['updated']} "
            f"initial.failed={initial['failed']} initial.peak_rss_mb={initial_peak:.0f}"
        )
        limits = initial["limits"]
        self.stdout.write(
            f"initial.bound_s={limits['bound_s']:.2f} "
            f"initial.wall_vs_bound={initial['wall_s'] / max(limits['bound_s'], 0.001):.2f} "
            f"limits.hubspot_max_per_10s={limits['hubspot_max_per_10s']} "
            f"limits.hubspot_search_max_per_s={limits['hubspot_search_max_per_s']} "
            f"limits.salesforce_max_concurrent={limits['salesforce_max_concurrent']} "
            f"limits.exceeded={limits['exceeded']} "
            f"latency_model={options['latency_model']}"
        )
        self.stdout.write(
            " ".join(f"initial.profile.{k}={v}" for k, v in initial["profile"].items())
        )
        self.stdout.write(
            f"incremental.calls={incremental['hubspot_calls'] + incremental['salesforce_calls']} "
            f"incremental.writes={incremental['writes']} "
            f"incremental.wall_s={incremental['wall_s']:.2f}"
        )
        for reconcile in reconciles:
            self.stdout.write(
                f"reconcile.missing={reconcile['missing']} reconcile.drift={reconcile['drift']} "
                f"reconcile.duplicates={reconcile['duplicates']} "
                f"reconcile.calls={reconcile['calls']} reconcile.wall_s={reconcile['wall_s']:.2f} "
                f"reconcile.peak_rss_mb={reconcile['peak_rss_mb']:.0f}"
            )
        if activities:
            synced = max(activities["created"], 1)
            self.stdout.write(
                f"activities.seeded={options['activities']} "
                f"activities.synced={activities['created']} "
                f"activities.wall_s={activities['wall_s']:.2f} "
                f"activities.hubspot_calls={activities['hubspot_calls']} "
                f"activities.salesforce_calls={activities['salesforce_calls']} "
                f"activities.calls_per_activity={activities['salesforce_calls'] / synced:.4f}"
            )
        self.stdout.write(f"peak_rss_mb={peak:.0f} workers={options['workers'][0]}")

    def _connect(self, sandbox: Any) -> None:
        from django_q.models import Schedule

        from integrations.connections import hubspot_client
        from integrations.engine.activities.jobs import SCHEDULE_NAME as ACTIVITY_SCHEDULE
        from integrations.engine.contacts.jobs import SCHEDULE_NAME as CONTACT_SCHEDULE
        from integrations.engine.reconcile.jobs import SCHEDULE_NAME as RECONCILE_SCHEDULE
        from integrations.models import SalesforceConnection
        from integrations.pages.connections.services import connections_use_sandbox
        from integrations.pages.contacts.services import inclusion_list_choose

        connections_use_sandbox(info=sandbox.info)
        # the bench starts every job itself, at known moments: a scheduled run would add
        # its calls to the one being measured
        Schedule.objects.filter(
            name__in=[CONTACT_SCHEDULE, ACTIVITY_SCHEDULE, RECONCILE_SCHEDULE]
        ).delete()
        # the bench measures our calls, not the daily allocation
        SalesforceConnection.objects.update(daily_budget=10_000_000)
        hubspot = hubspot_client()
        [bench_list] = [
            found
            for page in hubspot.lists_search(query=BENCH_LIST)
            for found in page
            if found["name"] == BENCH_LIST
        ]
        inclusion_list_choose(actor=None, list_id=str(bench_list["listId"]), hubspot=hubspot)
        sandbox.hubspot.control("POST", "calls/reset")
        sandbox.salesforce.control("POST", "calls/reset")

    def _run_activities(self, sandbox: Any, count: int) -> dict[str, Any]:
        """Seed ``count`` activities of every type over two years, as if every toggle and
        every contact's first sync had happened before them, then sync them."""
        from datetime import timedelta

        from django.utils import timezone

        from integrations.engine.activities.jobs import activities_sync_start
        from integrations.models import ActivityType, ContactLink

        long_ago = timezone.now() - timedelta(days=2 * 365 + 1)
        ActivityType.objects.update(enabled=True, enabled_at=long_ago)
        ContactLink.objects.update(first_synced_at=long_ago)
        contacts = list(ContactLink.objects.values_list("hubspot_id", "email"))
        items = list(_bench_activities(count, contacts))
        for start in range(0, len(items), 1000):
            sandbox.hubspot.control("POST", "activities", items[start : start + 1000])
        return self._run_job(sandbox, "activities", start=activities_sync_start)

    def _run_reconcile(self, sandbox: Any, workers: list[subprocess.Popen]) -> dict[str, Any]:
        """A Reconcile through the same machinery, in workers that ran nothing else: its
        findings by kind, its API calls, their peak resident set. ``workers`` are replaced
        by the fresh ones."""
        from integrations.engine.reconcile.jobs import reconcile_start
        from integrations.models import ReconcileFinding

        _workers_stop(workers)
        workers[:] = _workers_start(len(workers))
        run = self._run_job(sandbox, "reconcile", start=reconcile_start)
        kinds = ReconcileFinding.Kind
        counts = run["findings"]
        lost = (
            kinds.MISSING_IN_SALESFORCE,
            kinds.MISSING_IN_HUBSPOT,
            kinds.ORPHANED_LINK,
            kinds.ACTIVITY_NOT_SYNCED,
        )
        return {
            "missing": sum(counts.get(k, 0) for k in lost),
            "drift": counts.get(kinds.FIELD_DRIFT, 0),
            "duplicates": counts.get(kinds.DUPLICATE, 0),
            "calls": run["hubspot_calls"] + run["salesforce_calls"],
            "wall_s": run["wall_s"],
            "peak_rss_mb": max(_peak_rss_mb(w.pid) for w in workers),
        }

    def _run_job(self, sandbox: Any, mode: str, start: Any = None) -> dict[str, Any]:
        from core.models import SyncJob
        from integrations.engine.contacts.jobs import contacts_sync_start

        sandbox.hubspot.control("POST", "calls/reset")
        sandbox.salesforce.control("POST", "calls/reset")
        started = time.monotonic()
        job, _ = start() if start else contacts_sync_start(mode=mode)
        while True:
            job.refresh_from_db()
            if not job.is_active:
                break
            time.sleep(0.2)
        wall = time.monotonic() - started
        if job.status not in (SyncJob.Status.SUCCEEDED, SyncJob.Status.PARTIALLY_FAILED):
            raise CommandError(f"{mode} run ended {job.status}: {job.error}")
        hubspot_calls = sandbox.hubspot.calls()
        salesforce_calls = sandbox.salesforce.calls()
        for side, calls in (("hubspot", hubspot_calls), ("salesforce", salesforce_calls)):
            breakdown = ", ".join(f"{k}: {v}" for k, v in sorted(calls["by_endpoint"].items()))
            self.stderr.write(f"{mode} {side} calls: {breakdown}")
        writes = sum(
            count
            for side in (hubspot_calls, salesforce_calls)
            for endpoint, count in side["by_endpoint"].items()
            if _is_write(endpoint)
        )
        return {
            "wall_s": wall,
            "limits": _limits_reached(hubspot_calls, salesforce_calls),
            "hubspot_calls": hubspot_calls["total"],
            "salesforce_calls": salesforce_calls["total"],
            "writes": writes,
            "created": job.created,
            "updated": job.updated,
            "failed": job.failed,
            "findings": job.params.get("findings", {}),
            "profile": _profile(job),
        }


def _profile(job: Any) -> dict[str, Any]:
    """Where the job's wall time went: before its first work unit was planned (the run's
    own reads: list members, Salesforce mirror, the first page), while units ran, and
    after the last (the Salesforce -> HubSpot and echo passes); ``units_busy_s`` is the
    units' summed run time, over the workers that ran them."""
    from core.models import JobUnit

    units = list(JobUnit.objects.filter(job=job).values_list("created_at", "finished_at"))
    if not units or not job.started_at or not job.finished_at:
        return {"units": 0}
    planned = min(created for created, _ in units)
    done = max(finished or job.finished_at for _, finished in units)
    busy = sum(((f or done) - c).total_seconds() for c, f in units)
    return {
        "units": len(units),
        "before_units_s": round((planned - job.started_at).total_seconds(), 2),
        "units_s": round((done - planned).total_seconds(), 2),
        "after_units_s": round((job.finished_at - done).total_seconds(), 2),
        "units_queued_and_busy_s": round(busy, 1),
        "workers": len(set(JobUnit.objects.filter(job=job).values_list("worker", flat=True))),
    }


def _worker_counts(text: str) -> list[int]:
    """``--workers``: one count or a comma-separated list of them."""
    try:
        counts = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of worker counts: {text!r}") from None
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("worker counts must be at least 1")
    return counts


def _figure(output: str, name: str) -> float:
    """The value of ``name=`` in the benchmark's ``key=value`` lines."""
    for token in output.split():
        key, _, value = token.partition("=")
        if key == name:
            return float(value)
    raise CommandError(f"the benchmark printed no {name}")


def _limits_reached(hubspot: dict[str, Any], salesforce: dict[str, Any]) -> dict[str, Any]:
    """How close a run came to the vendors' limits, and the shortest time they allow for
    its calls (HubSpot: 190 per 10 s, 5 searches per s; Salesforce: its call-seconds
    spread over the concurrency the run used)."""
    hubspot_limits, salesforce_limits = hubspot["limits"], salesforce["limits"]
    searches = sum(n for endpoint, n in hubspot["by_endpoint"].items() if "search" in endpoint)
    salesforce_seconds = salesforce_limits["latency_total_s"] / max(
        salesforce_limits["max_concurrent"], 1
    )
    return {
        "bound_s": max(hubspot["total"] / 19, searches / 5, salesforce_seconds),
        "hubspot_max_per_10s": hubspot_limits["max_per_10s"],
        "hubspot_search_max_per_s": hubspot_limits["search_max_per_s"],
        "salesforce_max_concurrent": salesforce_limits["max_concurrent"],
        "exceeded": hubspot_limits["exceeded"] + salesforce_limits["exceeded"],
    }


@contextmanager
def _bench_database(url: str) -> Iterator[str]:
    """A fresh PostgreSQL database beside the one ``url`` names, dropped afterwards;
    ``""`` (SQLite in the throwaway folder) when no URL is given."""
    if not url:
        yield ""
        return
    import psycopg

    parts = urlsplit(url)
    name = f"bench_syncadmin_{os.getpid()}"
    server = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _bench_activities(count: int, contacts: list[tuple[str, str]]) -> Any:
    """``count`` sandbox control items cycling through every HubSpot activity type,
    spread over the last two years; every fifth sales email goes to three contacts."""
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    kinds = (
        "form",
        "SENT",
        "OPEN",
        "CLICK",
        "note",
        "call",
        "meeting",
        "task",
        "email",
        "reply",
        "e_sales_email_opened",
        "e_sales_email_clicked",
        "e_document_viewed",
        "e_integration_event",
    )
    for i in range(count):
        hubspot_id, email = contacts[(i * 7919) % len(contacts)]
        when = (now - timedelta(minutes=(i * 104_729) % (2 * 365 * 24 * 60))).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )
        kind = kinds[i % len(kinds)]
        if kind == "form":
            yield {
                "type": "form_submission",
                "form": "Contact us",
                "email": email,
                "submittedAt": when,
            }
        elif kind in ("SENT", "OPEN", "CLICK"):
            yield {
                "type": "email_event",
                "campaign": f"Newsletter {i % 12}",
                "eventType": kind,
                "recipient": email,
                "created": when,
            }
        elif kind.startswith("e_"):
            yield {
                "type": "event",
                "eventType": kind,
                "contactId": hubspot_id,
                "occurredAt": when,
                "properties": {"hs_email_subject": f"Proposal {i}"},
            }
        else:
            many = [hubspot_id] + (
                [contacts[(i * 31 + k) % len(contacts)][0] for k in (1, 2)] if i % 5 == 0 else []
            )
            properties = {"hs_timestamp": when, "hs_lastmodifieddate": when}
            if kind == "note":
                properties["hs_note_body"] = f"Bench note {i}"
            elif kind == "call":
                properties["hs_call_title"] = f"Bench call {i}"
            elif kind == "meeting":
                properties["hs_meeting_title"] = f"Bench meeting {i}"
            elif kind == "task":
                properties.update(hs_task_subject=f"Bench task {i}", hs_task_status="COMPLETED")
            else:
                properties.update(
                    hs_email_subject=f"Bench email {i}",
                    hs_email_direction="INCOMING_EMAIL" if kind == "reply" else "EMAIL",
                )
            yield {
                "type": "email" if kind == "reply" else kind,
                "properties": properties,
                "contactIds": many,
            }


def argparse_hidden() -> str:
    import argparse

    return argparse.SUPPRESS
