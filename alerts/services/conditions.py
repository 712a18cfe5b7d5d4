"""What is wrong right now, read from the database: one ``Condition`` per open incident key.

Evaluation (``alerts.services.evaluation``) compares these with the stored open incidents.
Each rule of the Alerts page is one function here; a rule that is off is not evaluated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from alerts.models import AlertRules
from core.job_kinds import job_kind_label
from core.models import SyncJob
from core.services.jobs import job_summary
from integrations.engine.reconcile.jobs import RECONCILE
from integrations.http import budget
from integrations.models import (
    ContactSyncSettings,
    HubSpotConnection,
    ReconcileFinding,
    RecordError,
    SalesforceConnection,
)

FINISHED = (SyncJob.Status.SUCCEEDED, SyncJob.Status.PARTIALLY_FAILED, SyncJob.Status.FAILED)
JOB_FAILED = (SyncJob.Status.PARTIALLY_FAILED, SyncJob.Status.FAILED)
#: "open errors grow by more than N in an hour"
GROWTH_WINDOW = timedelta(hours=1)
BUDGET_THRESHOLDS = (80, 100)
#: records named in an alert about findings; the page has them all
SAMPLE = 5


@dataclass(frozen=True)
class Condition:
    key: str
    rule: str
    title: str
    text: str
    link_path: str = ""


def _latest_finished_jobs() -> Iterator[SyncJob]:
    """The most recently ended run of each job kind (cancelled runs say nothing)."""
    kinds = SyncJob.objects.filter(status__in=FINISHED).values_list("kind", flat=True).distinct()
    for kind in sorted(kinds):
        job = (
            SyncJob.objects.filter(kind=kind, status__in=FINISHED)
            .order_by("-finished_at", "-id")
            .first()
        )
        if job is not None:
            yield job


def _job_failed(job: SyncJob) -> Condition:
    label = job_kind_label(job.kind)
    return Condition(
        key=f"job:{job.kind}",
        rule="job_failed",
        title=f"{label} {job.get_status_display().lower()} (job #{job.pk})",
        text=job_summary(job),
        link_path=reverse("job_detail", args=[job.pk]),
    )


def job_failed_conditions() -> Iterator[Condition]:
    """Open while the latest run of a kind failed or partly failed; its next success clears it."""
    for job in _latest_finished_jobs():
        if job.kind != RECONCILE and job.status in JOB_FAILED:
            yield _job_failed(job)


def error_category_conditions() -> Iterator[Condition]:
    """One incident per category of open errors: it opens when the category appears in Sync
    health and clears when its last error is gone."""
    labels = dict(RecordError.Category.choices)
    counts = RecordError.objects.values("category").annotate(n=Count("id")).order_by("category")
    for row in counts:
        category, count = row["category"], row["n"]
        newest = RecordError.objects.filter(category=category).order_by("-last_seen_at").first()
        label = labels.get(category, category)
        yield Condition(
            key=f"errors.category:{category}",
            rule="error_new_category",
            title=f"New kind of error in Sync health: {label} ({count} open)",
            text=f"Latest: {newest.record_key}: {newest.message}" if newest else "",
            link_path=reverse("health"),
        )


def error_growth_conditions(*, threshold: int) -> Iterator[Condition]:
    """Open while more than ``threshold`` of the open errors were first seen in the last hour."""
    since = timezone.now() - GROWTH_WINDOW
    new = RecordError.objects.filter(first_seen_at__gte=since).count()
    if new > threshold:
        yield Condition(
            key="errors.growth",
            rule="error_growth",
            title=f"{new} new open errors in the last hour (alert above {threshold})",
            text="Sync health lists them by category with the vendor's message.",
            link_path=reverse("health"),
        )


def auth_failed_conditions() -> Iterator[Condition]:
    """Open while a side's last call was refused for authentication or permission."""
    for side, model in (("hubspot", HubSpotConnection), ("salesforce", SalesforceConnection)):
        connection = model.objects.filter(pk=1).first()
        if connection is None or connection.auth_failed_at is None:
            continue
        name = "HubSpot" if side == "hubspot" else "Salesforce"
        since = f"{timezone.localtime(connection.auth_failed_at):%Y-%m-%d %H:%M}"
        error = connection.auth_error or "Authentication failed."
        yield Condition(
            key=f"auth:{side}",
            rule="auth_failed",
            title=f"{name} refuses syncadmin's credentials",
            text=f"{error} (since {since}). Jobs that call {name} fail until the credentials "
            "on Connections work.",
            link_path=reverse("connections"),
        )


def budget_conditions() -> Iterator[Condition]:
    """Open while today's Salesforce calls are at 80% / 100% of syncadmin's allocation."""
    cap = SalesforceConnection.load().daily_budget
    calls = budget.budget_today(side=budget.SALESFORCE).calls
    if cap <= 0:
        return
    for percent in BUDGET_THRESHOLDS:
        if calls * 100 >= percent * cap:
            then = (
                "jobs wait until it renews at midnight UTC"
                if percent >= 100
                else "jobs wait once it is used up"
            )
            yield Condition(
                key=f"budget:{percent}",
                rule="budget",
                title=f"Salesforce API use passed {percent}% of syncadmin's allocation",
                text=f"{calls} of {cap} calls allocated for today (UTC) are used; {then}.",
                link_path=reverse("connections"),
            )


def list_paused_conditions() -> Iterator[Condition]:
    reason = ContactSyncSettings.load().paused_reason
    if reason:
        yield Condition(
            key="contacts.paused",
            rule="list_paused",
            title="Contact sync is paused",
            text=reason,
            link_path=reverse("contacts"),
        )


def reconcile_conditions() -> Iterator[Condition]:
    """One incident per kind of finding while Reconcile's findings of that kind exist, and one
    while its latest run failed."""
    labels = dict(ReconcileFinding.Kind.choices)
    counts = ReconcileFinding.objects.values("kind").annotate(n=Count("id")).order_by("kind")
    for row in counts:
        kind, count = row["kind"], row["n"]
        sample = ReconcileFinding.objects.filter(kind=kind).order_by("id")[:SAMPLE]
        names = ", ".join(f.email or f.record_key for f in sample)
        more = f" and {count - SAMPLE} more" if count > SAMPLE else ""
        yield Condition(
            key=f"reconcile:{kind}",
            rule="reconcile",
            title=f"Reconcile found {count} × {labels.get(kind, kind).lower()}",
            text=f"{names}{more}.",
            link_path=reverse("health"),
        )
    latest = (
        SyncJob.objects.filter(kind=RECONCILE, status__in=FINISHED)
        .order_by("-finished_at", "-id")
        .first()
    )
    if latest is not None and latest.status == SyncJob.Status.FAILED:
        yield Condition(
            key="reconcile:job",
            rule="reconcile",
            title=f"Reconcile could not finish (job #{latest.pk})",
            text=job_summary(latest),
            link_path=reverse("job_detail", args=[latest.pk]),
        )


def conditions_current(*, rules: AlertRules) -> dict[str, Condition]:
    """Every condition that holds now, of the rules that are on, by incident key."""
    sources: list[tuple[bool, Callable[[], Iterator[Condition]]]] = [
        (rules.job_failed, job_failed_conditions),
        (rules.error_new_category, error_category_conditions),
        (
            rules.error_growth,
            lambda: error_growth_conditions(threshold=rules.error_growth_threshold),
        ),
        (rules.auth_failed, auth_failed_conditions),
        (rules.budget, budget_conditions),
        (rules.list_paused, list_paused_conditions),
        (rules.reconcile, reconcile_conditions),
    ]
    return {c.key: c for on, source in sources if on for c in source()}


def recovery_text(key: str) -> str:
    """What the recovery notice of an incident says is true now."""
    family, _, detail = key.partition(":")
    if family == "job":
        job = SyncJob.objects.filter(kind=detail, status__in=FINISHED).order_by(
            "-finished_at", "-id"
        )
        latest = job.first()
        if latest is not None:
            return f"The latest run, job #{latest.pk}, {latest.get_status_display().lower()}."
    if family == "errors.category":
        label = dict(RecordError.Category.choices).get(detail, detail)
        return f"No open errors of category {label} are left in Sync health."
    if family == "errors.growth":
        return "New open errors in the last hour are back at or under the threshold."
    if family == "auth":
        name = "HubSpot" if detail == "hubspot" else "Salesforce"
        return f"{name} accepts syncadmin's calls again."
    if family == "budget":
        calls = budget.budget_today(side=budget.SALESFORCE).calls
        cap = SalesforceConnection.load().daily_budget
        return f"Salesforce API use is below {detail}% again: {calls} of {cap} calls today."
    if family == "contacts.paused":
        return "Contact sync is no longer paused."
    if family == "reconcile":
        if detail == "job":
            return "Reconcile's latest run finished."
        label = dict(ReconcileFinding.Kind.choices).get(detail, detail).lower()
        return f"Reconcile finds no {label} any more."
    return "The condition no longer holds."
