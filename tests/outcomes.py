"""The two invariants every job keeps: ``seen`` is the sum of its outcome buckets, and each
bucket (and each skip reason) counts exactly the job's audit events of that outcome."""

from __future__ import annotations

from django.db.models import Count

from core.models import AuditEvent, SyncJob


def outcome_mismatches(job: SyncJob) -> list[str]:
    """What does not add up in ``job`` (re-read from the database); empty when all does."""
    job.refresh_from_db()
    events = AuditEvent.objects.filter(job_id=job.pk)
    by_outcome = dict(
        events.exclude(outcome="").values_list("outcome").annotate(n=Count("id")).order_by()
    )
    by_reason = dict(
        events.filter(outcome="skipped").values_list("reason").annotate(n=Count("id")).order_by()
    )
    reasons = {code: n for code, n in (job.skipped_reasons or {}).items() if n}
    wrong = []
    buckets = {outcome: getattr(job, outcome) for outcome in SyncJob.OUTCOMES}
    if job.seen != sum(buckets.values()):
        wrong.append(f"#{job.pk} seen {job.seen} != sum of buckets {buckets}")
    for outcome, count in buckets.items():
        if count != by_outcome.get(outcome, 0):
            wrong.append(f"#{job.pk} {outcome}: {count} vs {by_outcome.get(outcome, 0)} events")
    unknown = set(by_outcome) - set(SyncJob.OUTCOMES)
    if unknown:
        wrong.append(f"#{job.pk} events with unknown outcomes {sorted(unknown)}")
    if reasons != by_reason:
        wrong.append(f"#{job.pk} skip reasons {reasons} vs events {by_reason}")
    if sum(reasons.values()) != job.skipped:
        wrong.append(f"#{job.pk} skipped {job.skipped} != sum of reasons {reasons}")
    return wrong


def records_counted_twice(job: SyncJob) -> list[str]:
    """HubSpot ids with more than one outcome in ``job`` other than a later failure (the
    one outcome that is counted on top, see ``integrations/engine/outcomes.py``)."""
    events = AuditEvent.objects.filter(job_id=job.pk).exclude(outcome="").exclude(hubspot_id="")
    twice = (
        events.exclude(outcome="failed")
        .values_list("hubspot_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .order_by()
    )
    return sorted(hubspot_id for hubspot_id, _ in twice)


def all_jobs_mismatches() -> list[str]:
    return [
        problem for job in SyncJob.objects.order_by("pk") for problem in outcome_mismatches(job)
    ]


def assert_counts_add_up(job: SyncJob) -> None:
    wrong = outcome_mismatches(job)
    assert not wrong, "\n".join(wrong)
