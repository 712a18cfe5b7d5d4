"""Benchmark the audit log review page at a realistic size, in a database of its own.

    python manage.py bench_audit --events 1000000
    python manage.py bench_audit --events 1000000 --database-url postgres://user@host/syncadmin

The events go into a throwaway database created beside the configured one by
Django's test-database machinery (SQLite: ``bench_<name>`` file in the data
folder; PostgreSQL: database ``bench_<name>``), so the dev database is never
touched. ``--database-url`` re-runs the command with ``DATABASE_URL`` set, so
that database's server hosts the throwaway one. ``--keepdb`` keeps it (and its
events) for the next run, which only tops it up to ``--events``.
"""

from __future__ import annotations

import contextlib
import math
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from core.services.audit import audit_events_record

REQUESTS_PER_CASE = 20
INSERT_BATCH = 5000
EXPORT_TARGET_ROWS = 100_000
SPREAD = timedelta(days=90)
BENCH_USER = "bench-admin"

#: (action, object_type, share): roughly what a day of syncing writes
ACTIONS = [
    ("record.updated", "contact", 0.40),
    ("record.created", "contact", 0.15),
    ("record.skipped", "contact", 0.15),
    ("activity.created", "activity", 0.15),
    ("activity.updated", "activity", 0.08),
    ("job.started", "job", 0.03),
    ("job.finished", "job", 0.03),
    ("settings.changed", "settings", 0.01),
]
ERROR_CATEGORIES = [
    ("validation", "FIELD_CUSTOM_VALIDATION_EXCEPTION: Phone must have 10 digits"),
    ("duplicates", "DUPLICATES_DETECTED: Use one of these records?"),
    ("permissions", "INSUFFICIENT_ACCESS_OR_READONLY: insufficient access rights on object id"),
    ("rate_limit", "You have reached your secondly limit."),
    ("picklist", "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: Status: bad value for picklist"),
]
FIELDS = ["email", "firstname", "lastname", "phone", "company", "jobtitle", "lifecyclestage"]
RULES = ["newest wins", "HubSpot owns", "Salesforce owns", "fill empty only"]


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def _peak_rss_mb() -> float:
    """VmHWM: the process's peak resident set since the last reset."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak_rss() -> None:
    # Linux: writing 5 resets VmHWM to the current RSS, so the export's own peak shows.
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


class Command(BaseCommand):
    help = "Insert N realistic audit events into a throwaway database and time the review page."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--events", type=int, default=100_000)
        parser.add_argument("--database-url", default="")
        parser.add_argument("--keepdb", action="store_true", help="keep the bench database")
        parser.add_argument("--seed", type=int, default=20261123)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["database_url"]:
            self._rerun_with(options)
            return
        self._use_bench_database(keepdb=options["keepdb"])
        try:
            self._run(options)
        finally:
            connection.creation.destroy_test_db(
                self._original_name, verbosity=0, keepdb=options["keepdb"]
            )

    def _rerun_with(self, options: dict[str, Any]) -> None:
        command = [sys.executable, sys.argv[0], "bench_audit", "--events", str(options["events"])]
        command += ["--seed", str(options["seed"])] + (["--keepdb"] if options["keepdb"] else [])
        env = {**os.environ, "DATABASE_URL": options["database_url"]}
        raise SystemExit(subprocess.run(command, env=env, check=False).returncode)

    def _use_bench_database(self, *, keepdb: bool) -> None:
        self._original_name = connection.settings_dict["NAME"]
        if connection.vendor == "sqlite":
            name = str(Path(settings.DATA_DIR) / "bench_syncadmin.sqlite3")
        else:
            name = f"bench_{self._original_name}"
        connection.settings_dict.setdefault("TEST", {})["NAME"] = name
        connection.creation.create_test_db(
            verbosity=0, autoclobber=True, serialize=False, keepdb=keepdb
        )
        self.stderr.write(f"bench database: {connection.vendor} {connection.settings_dict['NAME']}")

    def _run(self, options: dict[str, Any]) -> None:
        target = options["events"]
        existing = AuditEvent.objects.count()
        if existing < target:
            started = time.perf_counter()
            self._insert(target - existing, random.Random(options["seed"] + existing))
            elapsed = time.perf_counter() - started
            self.stderr.write(f"inserted {target - existing} events in {elapsed:.1f}s")
        total = AuditEvent.objects.count()
        client = self._admin_client()
        url = reverse("audit_log")
        newest = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
        oldest = AuditEvent.objects.order_by("id").values_list("id", flat=True).first()
        sample_email = (
            AuditEvent.objects.filter(id__lte=oldest + total // 2)
            .exclude(email="")
            .order_by("-id")
            .values_list("email", flat=True)
            .first()
        )
        cases: dict[str, dict[str, str]] = {
            "first_page": {},
            "filtered": {"action": "record.updated", "status": "failed", "direction": "hs_to_sf"},
            "search": {"q": sample_email or ""},
            "deep_page": {"before": str(oldest + (newest - oldest) // 20)},
        }
        figures: dict[str, float] = {}
        for name, params in cases.items():
            figures[name] = _p95(self._time(lambda p=params: self._get_page(client, url, p)))
        figures["export"] = self._export_peak(client, total)
        self.stdout.write(
            f"audit.events={total} "
            f"audit.first_page_p95_ms={figures['first_page']:.1f} "
            f"audit.filtered_p95_ms={figures['filtered']:.1f} "
            f"audit.search_p95_ms={figures['search']:.1f} "
            f"audit.deep_page_p95_ms={figures['deep_page']:.1f} "
            f"audit.export_peak_rss_mb={figures['export']:.1f}"
        )

    def _admin_client(self) -> Client:
        from django.contrib.auth import get_user_model

        from core.roles import ADMIN, role_group

        user, _ = get_user_model().objects.get_or_create(username=BENCH_USER)
        user.groups.add(role_group(ADMIN))
        # A real host name, not the test environment's "testserver": setting that
        # environment up would also instrument every template render.
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        return client

    @staticmethod
    def _get_page(client: Client, url: str, params: dict[str, str]) -> None:
        response = client.get(url, params)
        if response.status_code != 200:
            raise RuntimeError(f"{url} {params} answered {response.status_code}")

    @staticmethod
    def _time(request: Callable[[], None]) -> list[float]:
        request()  # warm-up: imports, template loading, the SQLite page cache
        samples = []
        for _ in range(REQUESTS_PER_CASE):
            started = time.perf_counter()
            request()
            samples.append((time.perf_counter() - started) * 1000)
        return samples

    def _export_peak(self, client: Client, total: int) -> float:
        """Stream an export of the newest ~100k events (a time range) and return peak RSS."""
        rows = min(EXPORT_TARGET_ROWS, total)
        boundary = AuditEvent.objects.order_by("-id").values_list("occurred_at", flat=True)[
            rows - 1
        ]
        start = timezone.localtime(boundary) + timedelta(minutes=1)
        _reset_peak_rss()
        started = time.perf_counter()
        response = client.get(
            reverse("audit_export"), {"occurred_from": start.strftime("%Y-%m-%dT%H:%M")}
        )
        lines = sum(chunk.count(b"\n") for chunk in response.streaming_content)
        elapsed = time.perf_counter() - started
        peak = _peak_rss_mb()
        self.stderr.write(f"export: {lines - 1} rows in {elapsed:.1f}s, peak RSS {peak:.0f} MB")
        return peak

    def _insert(self, count: int, rng: random.Random) -> None:
        for batch in self._batches(count, rng):
            with transaction.atomic():
                audit_events_record(batch)

    def _batches(self, count: int, rng: random.Random) -> Iterator[list[AuditEvent]]:
        """Events in time order (ids grow with time, as in production), 90 days back to now."""
        actions = [(action, object_type) for action, object_type, _ in ACTIONS]
        weights = [share for _, _, share in ACTIONS]
        contacts = max(100, count // 20)
        now = timezone.now()
        step = SPREAD / count
        first = now - SPREAD
        job_id = 1
        batch: list[AuditEvent] = []
        for i in range(count):
            if i % 500 == 0:
                job_id += 1
            action, object_type = rng.choices(actions, weights)[0]
            batch.append(self._event(rng, action, object_type, first + step * i, job_id, contacts))
            if len(batch) == INSERT_BATCH:
                yield batch
                batch = []
        if batch:
            yield batch

    @staticmethod
    def _event(
        rng: random.Random,
        action: str,
        object_type: str,
        occurred_at: Any,
        job_id: int,
        contacts: int,
    ) -> AuditEvent:
        fields: dict[str, Any] = {
            "occurred_at": occurred_at,
            "action": action,
            "object_type": object_type,
            "actor_type": AuditEvent.Actor.SYSTEM,
            "status": AuditEvent.Status.OK,
        }
        if object_type in ("contact", "activity"):
            n = rng.randrange(contacts)
            fields.update(
                job_id=job_id,
                email=f"person{n}@example{n % 97}.com" if object_type == "contact" else "",
                hubspot_id=str(1000 + n if object_type == "contact" else 900_000 + n),
                salesforce_id=f"{'003' if object_type == 'contact' else '00T'}{n:012d}AAA",
                object_label=f"Person {n}",
                direction=rng.choice(["hs_to_sf", "sf_to_hs"]),
            )
            roll = rng.random()
            if action == "record.skipped" or roll < 0.08:
                fields["status"] = AuditEvent.Status.SKIPPED
                fields["message"] = "Not in the inclusion list."
            elif roll < 0.13:
                category, message = rng.choice(ERROR_CATEGORIES)
                fields.update(
                    status=AuditEvent.Status.FAILED, error_category=category, message=message
                )
            else:
                fields["changes"] = [
                    {
                        "field": field,
                        "before": f"old {field}",
                        "after": f"new {field}",
                        "rule": rng.choice(RULES),
                    }
                    for field in rng.sample(FIELDS, rng.randint(1, 3))
                ]
        elif object_type == "job":
            fields.update(job_id=job_id, object_label=f"Job #{job_id}")
        else:
            fields.update(
                actor_type=AuditEvent.Actor.USER,
                actor_username=rng.choice(["alice", "bob"]),
                object_label="Contact sync",
                changes=[{"field": "interval_minutes", "before": 15, "after": 30}],
            )
        return AuditEvent(**fields)
