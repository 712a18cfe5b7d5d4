"""What ``/metrics`` tells Prometheus, read from the database at scrape time.

Every figure comes from rows all processes share (jobs, errors, findings, the API
budget), so any web process answers for the whole installation and nothing is
counted in one process's memory. Each family is one aggregate query (a GROUP BY,
never a loop over rows), so a scrape costs the same with ten jobs or a million.

Counters are sums over the job rows (records by outcome, skips by reason, API
calls): they only grow while jobs are kept. Gauges are states (jobs per status,
open errors, findings, today's budget).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from django.db import connection
from django.db.models import Count, Max, Sum
from django.utils import timezone
from prometheus_client.core import (
    CollectorRegistry,
    CounterMetricFamily,
    GaugeMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from core.models import SyncJob
from integrations.http import budget
from integrations.models import (
    HubSpotConnection,
    ReconcileFinding,
    RecordError,
    SalesforceConnection,
)

log = logging.getLogger(__name__)
PREFIX = "syncadmin"


def _jobs_by_status() -> Iterator[Metric]:
    family = GaugeMetricFamily(
        f"{PREFIX}_jobs", "Jobs in the database by kind and status.", labels=["kind", "status"]
    )
    queued = 0
    for row in SyncJob.objects.values("kind", "status").annotate(n=Count("id")).order_by():
        family.add_metric([row["kind"], row["status"]], row["n"])
        if row["status"] == SyncJob.Status.QUEUED:
            queued += row["n"]
    yield family
    yield GaugeMetricFamily(
        f"{PREFIX}_queue_depth", "Jobs queued and not started yet.", value=queued
    )


def _records() -> Iterator[Metric]:
    sums = {name: Sum(name) for name in (*SyncJob.COUNTERS, "hubspot_calls", "salesforce_calls")}
    rows = list(SyncJob.objects.values("kind").annotate(**sums).order_by())
    records = CounterMetricFamily(
        f"{PREFIX}_records",
        "Records the jobs handled, by job kind and outcome bucket (they add up to seen).",
        labels=["kind", "outcome"],
    )
    seen = CounterMetricFamily(
        f"{PREFIX}_records_seen", "Records the jobs looked at, by job kind.", labels=["kind"]
    )
    calls = CounterMetricFamily(
        f"{PREFIX}_api_calls",
        "API calls the jobs made (every attempt, retries included), by side.",
        labels=["side"],
    )
    for row in rows:
        seen.add_metric([row["kind"]], row["seen"] or 0)
        for outcome in SyncJob.OUTCOMES:
            records.add_metric([row["kind"], outcome], row[outcome] or 0)
    calls.add_metric([budget.HUBSPOT], sum(row["hubspot_calls"] or 0 for row in rows))
    calls.add_metric([budget.SALESFORCE], sum(row["salesforce_calls"] or 0 for row in rows))
    yield from (records, seen, calls)


#: the skip reasons summed in the database: SQLite's json_each, PostgreSQL's jsonb_each_text
_SKIPPED_SQL = {
    "sqlite": (
        "SELECT j.kind, r.key, SUM(CAST(r.value AS INTEGER)) FROM {table} j, "
        "json_each(j.skipped_reasons) r WHERE j.skipped > 0 GROUP BY j.kind, r.key"
    ),
    "postgresql": (
        "SELECT j.kind, r.key, SUM(r.value::bigint) FROM {table} j, "
        "jsonb_each_text(j.skipped_reasons::jsonb) r WHERE j.skipped > 0 GROUP BY j.kind, r.key"
    ),
}


def _skipped() -> Iterator[Metric]:
    family = CounterMetricFamily(
        f"{PREFIX}_records_skipped",
        "Records the jobs skipped, by job kind and reason.",
        labels=["kind", "reason"],
    )
    sql = _SKIPPED_SQL.get(connection.vendor)
    if sql is not None:
        with connection.cursor() as cursor:
            cursor.execute(sql.format(table=connection.ops.quote_name(SyncJob._meta.db_table)))
            for kind, reason, n in cursor.fetchall():
                family.add_metric([kind, reason], int(n or 0))
    else:  # another database: add the reasons up here (the only per-row read)
        totals: dict[tuple[str, str], int] = {}
        jobs = SyncJob.objects.filter(skipped__gt=0).values_list("kind", "skipped_reasons")
        for kind, reasons in jobs.iterator():
            for reason, n in (reasons or {}).items():
                totals[kind, reason] = totals.get((kind, reason), 0) + int(n)
        for (kind, reason), n in sorted(totals.items()):
            family.add_metric([kind, reason], n)
    yield family


def _last_success() -> Iterator[Metric]:
    family = GaugeMetricFamily(
        f"{PREFIX}_last_successful_sync_timestamp_seconds",
        "When the last job of each kind that succeeded finished (Unix time).",
        labels=["kind"],
    )
    finished = (
        SyncJob.objects.filter(status=SyncJob.Status.SUCCEEDED, finished_at__isnull=False)
        .values("kind")
        .annotate(last=Max("finished_at"))
        .order_by()
    )
    for row in finished:
        family.add_metric([row["kind"]], row["last"].timestamp())
    yield family


def _open_errors() -> Iterator[Metric]:
    family = GaugeMetricFamily(
        f"{PREFIX}_open_errors",
        "Records in Sync health with an open error, by category.",
        labels=["category"],
    )
    counts = dict(RecordError.objects.values_list("category").annotate(n=Count("id")).order_by())
    for category in RecordError.Category.values:
        family.add_metric([category], counts.pop(category, 0))
    for category, n in counts.items():  # a category written before this release knew it
        family.add_metric([category], n)
    yield family


def _findings() -> Iterator[Metric]:
    family = GaugeMetricFamily(
        f"{PREFIX}_reconcile_findings",
        "Open Reconcile findings (disagreements between HubSpot and Salesforce), by kind.",
        labels=["kind"],
    )
    counts = dict(ReconcileFinding.objects.values_list("kind").annotate(n=Count("id")).order_by())
    for kind in ReconcileFinding.Kind.values:
        family.add_metric([kind], counts.get(kind, 0))
    yield family


def _budget() -> Iterator[Metric]:
    salesforce = SalesforceConnection.objects.filter(pk=1).values("daily_budget").first()
    today = budget.budget_today(side=budget.SALESFORCE)
    yield GaugeMetricFamily(
        f"{PREFIX}_salesforce_budget_used",
        "Salesforce API calls syncadmin made today (UTC), against its allocation.",
        value=today.calls,
    )
    if salesforce is not None:
        yield GaugeMetricFamily(
            f"{PREFIX}_salesforce_budget_allocated",
            "Salesforce API calls per UTC day allocated to syncadmin (Connections).",
            value=salesforce["daily_budget"],
        )
    if today.org_max:
        yield GaugeMetricFamily(
            f"{PREFIX}_salesforce_org_api_used",
            "The whole org's Salesforce API use today, as Salesforce last reported it.",
            value=today.org_used or 0,
        )
        yield GaugeMetricFamily(
            f"{PREFIX}_salesforce_org_api_max",
            "The org's daily Salesforce API limit, as Salesforce last reported it.",
            value=today.org_max,
        )


def _connections() -> Iterator[Metric]:
    family = GaugeMetricFamily(
        f"{PREFIX}_connection_auth_failed",
        "1 while the side refuses syncadmin's calls for authentication or permission.",
        labels=["side"],
    )
    for side, model in (
        (budget.HUBSPOT, HubSpotConnection),
        (budget.SALESFORCE, SalesforceConnection),
    ):
        failing = model.objects.filter(pk=1, auth_failed_at__isnull=False).exists()
        family.add_metric([side], 1 if failing else 0)
    yield family


def _broker() -> Iterator[Metric]:
    """django-q2's own queue (tasks handed to workers, not yet taken), when it can tell."""
    from django_q.brokers import get_broker

    try:
        size = get_broker().queue_size()
    except Exception:  # a broker that cannot count: the metric is absent, the scrape goes on
        log.warning("metrics: the task broker did not report its queue size", exc_info=True)
        return
    if size is not None:
        yield GaugeMetricFamily(
            f"{PREFIX}_broker_queue_size", "Tasks waiting in the django-q2 broker.", value=size
        )


class SyncadminCollector(Collector):
    """Reads every family from the database on each scrape; keeps nothing between them."""

    def collect(self) -> Iterator[Metric]:
        started = timezone.now()
        for family in (
            _jobs_by_status,
            _records,
            _skipped,
            _last_success,
            _open_errors,
            _findings,
            _budget,
            _connections,
            _broker,
        ):
            yield from family()
        yield GaugeMetricFamily(
            f"{PREFIX}_scrape_duration_seconds",
            "How long reading these figures from the database took.",
            value=(timezone.now() - started).total_seconds(),
        )


#: a registry of our own: the global one would add this process's Python internals, which
#: say nothing about the installation and differ with whichever web process answers
REGISTRY = CollectorRegistry(auto_describe=False)
REGISTRY.register(SyncadminCollector())
