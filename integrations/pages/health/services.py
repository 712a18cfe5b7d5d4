"""Sync health: open per-record errors grouped by category, paused states, retry, and
Reconcile's findings by kind."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Max, Min
from django_q.models import Schedule

from core.models import SyncJob
from core.services.jobs import JobStart
from integrations.engine.activities.jobs import activities_sync_start
from integrations.engine.contacts.jobs import contacts_sync_start
from integrations.engine.contacts.options import Mode
from integrations.engine.reconcile.findings import KIND_ORDER
from integrations.engine.reconcile.jobs import RECONCILE
from integrations.engine.reconcile.jobs import SCHEDULE_NAME as RECONCILE_SCHEDULE
from integrations.models import (
    ContactSyncSettings,
    HubSpotConnection,
    ReconcileFinding,
    ReconcileSettings,
    RecordError,
    SalesforceConnection,
)

#: records listed per category on the page; Retry still covers all of them
SHOWN_PER_CATEGORY = 50


@dataclass
class ErrorGroup:
    category: str
    label: str
    count: int
    first_seen: object
    last_seen: object
    records: list[RecordError]


@dataclass
class PausedState:
    title: str
    detail: str
    what_to_do: str


def health_error_groups() -> list[ErrorGroup]:
    labels = dict(RecordError.Category.choices)
    groups = []
    for row in (
        RecordError.objects.values("category")
        .annotate(count=Count("id"), first=Min("first_seen_at"), last=Max("last_seen_at"))
        .order_by("-count")
    ):
        records = list(
            RecordError.objects.filter(category=row["category"]).order_by("-last_seen_at")[
                :SHOWN_PER_CATEGORY
            ]
        )
        groups.append(
            ErrorGroup(
                category=row["category"],
                label=labels.get(row["category"], row["category"]),
                count=row["count"],
                first_seen=row["first"],
                last_seen=row["last"],
                records=records,
            )
        )
    return groups


def health_paused_states() -> list[PausedState]:
    states = []
    settings = ContactSyncSettings.load()
    if settings.paused_reason:
        states.append(
            PausedState(
                "Contact sync is paused",
                settings.paused_reason,
                "Choose another active list, or “No inclusion list”, on the Contacts page.",
            )
        )
    for side, connection in (
        ("HubSpot", HubSpotConnection.load()),
        ("Salesforce", SalesforceConnection.load()),
    ):
        if connection.last_test_ok is False and connection.auth_failed_at is None:
            # a refused login or token has its own banner above, with what to do
            states.append(
                PausedState(
                    f"The {side} connection is failing",
                    connection.last_error,
                    "Fix the credentials on the Connections page, then press Test connection.",
                )
            )
    for job in SyncJob.objects.filter(status=SyncJob.Status.WAITING):
        states.append(
            PausedState(
                f"Job #{job.pk} is waiting",
                job.waiting_reason,
                "It resumes by itself; raise the daily allocation on the Connections page "
                "to resume sooner.",
            )
        )
    return states


@dataclass
class RetryStarted:
    """The jobs a Retry started: a contact retry of exactly the chosen contact records,
    and an activity sync (which tries every owed activity again), as needed."""

    starts: list[tuple[str, JobStart]]
    count: int


def health_retry(
    *, actor: AbstractBaseUser | None, record_ids: list[int] | None = None, category: str = ""
) -> RetryStarted:
    """Retry the chosen records: by id, by category, or all."""
    errors = RecordError.objects.all()
    if record_ids is not None:
        errors = errors.filter(pk__in=record_ids)
    if category:
        errors = errors.filter(category=category)
    contact_keys = list(errors.filter(object_type="contact").values_list("record_key", flat=True))
    activities = errors.exclude(object_type="contact").count()
    if not contact_keys and not activities:
        raise ValueError("There is nothing to retry.")
    starts = []
    if contact_keys:
        plural = "s" if len(contact_keys) != 1 else ""
        start = contacts_sync_start(
            mode=Mode.RETRY, trigger=SyncJob.Trigger.RETRY, requested_by=actor, records=contact_keys
        )
        starts.append((f"retry of {len(contact_keys)} failed contact record{plural}", start))
    if activities:
        plural = "ies" if activities != 1 else "y"
        start = activities_sync_start(trigger=SyncJob.Trigger.RETRY, requested_by=actor)
        starts.append((f"activity sync retrying {activities} failed activit{plural}", start))
    return RetryStarted(starts=starts, count=len(contact_keys) + activities)


# --- Reconcile findings --------------------------------------------------------------------


@dataclass
class FindingGroup:
    kind: str
    label: str
    count: int
    #: duplicates are merged by a person, not fixed by a resync
    fixable: bool
    findings: list[ReconcileFinding]


@dataclass
class ReconcileState:
    groups: list[FindingGroup]
    total: int
    #: the last Reconcile that finished comparing, and the one queued or running now
    last_job: SyncJob | None
    active_job: SyncJob | None
    every_hours: int
    next_run_at: datetime | None


def health_reconcile() -> ReconcileState:
    """Sync health's Reconcile section: open findings by kind, the last and next run."""
    labels = dict(ReconcileFinding.Kind.choices)
    counts = dict(
        ReconcileFinding.objects.values_list("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    groups = [
        FindingGroup(
            kind=kind,
            label=labels[kind],
            count=counts[kind],
            fixable=kind != ReconcileFinding.Kind.DUPLICATE,
            findings=list(ReconcileFinding.objects.filter(kind=kind)[:SHOWN_PER_CATEGORY]),
        )
        for kind in KIND_ORDER
        if counts.get(kind)
    ]
    jobs = SyncJob.objects.filter(kind=RECONCILE)
    schedule = Schedule.objects.filter(name=RECONCILE_SCHEDULE).first()
    return ReconcileState(
        groups=groups,
        total=sum(counts.values()),
        last_job=jobs.filter(
            status__in=[SyncJob.Status.SUCCEEDED, SyncJob.Status.PARTIALLY_FAILED]
        ).first(),
        active_job=jobs.filter(status__in=SyncJob.ACTIVE_STATUSES).first(),
        every_hours=ReconcileSettings.load().every_hours,
        next_run_at=schedule.next_run if schedule else None,
    )
