"""A request the running job does not cover queues behind it and runs after it; an
identical one joins. One job per scope runs at a time, whatever races."""

import time

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent, SyncJob
from core.services.jobs import JobStartOutcome, job_cancel, job_reap_stale, job_run, job_start
from tests.workers import QCluster, wait_for


@pytest.fixture
def handed_over(monkeypatch) -> list[int]:
    """Ids of the jobs handed to django-q, in order."""
    enqueued: list[int] = []
    monkeypatch.setattr(
        "core.services.job_queue.async_task", lambda _func, job_id, **_: enqueued.append(job_id)
    )
    return enqueued


@pytest.mark.django_db
def test_a_different_request_queues_behind_and_runs_after(
    handed_over, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first, started = job_start(kind="test.count", scope="test:q", params={"steps": 2})
        second, queued = job_start(kind="test.count", scope="test:q", params={"steps": 3})
    assert (started, queued) == (JobStartOutcome.STARTED, JobStartOutcome.QUEUED)
    assert handed_over == [first.pk]
    assert "Queued behind job #" in AuditEvent.objects.get(job_id=second.pk).message

    assert job_run(job_id=second.pk).status == SyncJob.Status.QUEUED  # not its turn yet
    with django_capture_on_commit_callbacks(execute=True):
        assert job_run(job_id=first.pk).status == SyncJob.Status.SUCCEEDED
    assert handed_over == [first.pk, second.pk]
    second = job_run(job_id=second.pk)
    assert second.status == SyncJob.Status.SUCCEEDED and second.seen == 3


@pytest.mark.django_db
def test_the_claim_leaves_a_job_queued_while_its_scope_is_busy() -> None:
    running, _ = job_start(kind="test.count", scope="test:q")
    SyncJob.objects.filter(pk=running.pk).update(status=SyncJob.Status.RUNNING)
    behind, outcome = job_start(kind="test.count", scope="test:q", params={"steps": 1})
    assert outcome == JobStartOutcome.QUEUED
    assert job_run(job_id=behind.pk).status == SyncJob.Status.QUEUED
    assert not AuditEvent.objects.filter(job_id=behind.pk, action="job.started").exists()


@pytest.mark.django_db
def test_the_database_lets_one_job_per_scope_run_and_many_queue() -> None:
    def job(status: str, key: str = "") -> SyncJob:
        return SyncJob.objects.create(
            kind="test.count", scope="test:q", trigger="manual", status=status, request_key=key
        )

    job(SyncJob.Status.RUNNING)
    job(SyncJob.Status.QUEUED, "a")
    job(SyncJob.Status.QUEUED, "b")
    for status, key in ((SyncJob.Status.WAITING, "c"), (SyncJob.Status.QUEUED, "a")):
        with pytest.raises(IntegrityError), transaction.atomic():
            job(status, key)


@pytest.mark.django_db
@pytest.mark.parametrize("end", ["cancelled while queued", "cancelled while waiting", "reaped"])
def test_whatever_ends_a_job_hands_over_the_next(
    end, admin, settings, handed_over, django_capture_on_commit_callbacks
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    first, _ = job_start(kind="test.count", scope="test:q")
    if end != "cancelled while queued":
        status = SyncJob.Status.WAITING if end == "cancelled while waiting" else "running"
        SyncJob.objects.filter(pk=first.pk).update(status=status, heartbeat_at=timezone.now())
    second, _ = job_start(kind="test.count", scope="test:q", params={"steps": 1})
    stale = timezone.now() - timedelta(seconds=settings.JOB_STALE_AFTER_S + 1)
    SyncJob.objects.filter(pk=first.pk).update(heartbeat_at=stale)
    handed_over.clear()
    with django_capture_on_commit_callbacks(execute=True):
        if end == "reaped":
            job_reap_stale(scope="test:q")
        else:
            job_cancel(job=first, actor=admin)
    first.refresh_from_db()
    assert not first.is_active
    assert handed_over == [second.pk]
    assert job_run(job_id=second.pk).status == SyncJob.Status.SUCCEEDED


@pytest.mark.django_db
def test_the_page_of_a_queued_job_says_what_it_waits_for(admin_web: Client) -> None:
    first, _ = job_start(kind="test.count", scope="test:q")
    second, _ = job_start(kind="test.count", scope="test:q", params={"steps": 1})
    page = admin_web.get(reverse("job_detail", args=[second.pk])).content.decode()
    assert f"Queued behind #{first.pk}" in page
    first_page = admin_web.get(reverse("job_detail", args=[first.pk])).content.decode()
    assert 'data-testid="queued-behind"' not in first_page


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_queued_job_by_itself_after_the_first(tmp_path) -> None:
    cluster = QCluster(tmp_path)
    try:
        first, _ = job_start(kind="test.count", scope="test:q", params={"steps": 20, "delay": 0.1})
        wait_for(lambda: SyncJob.objects.get(pk=first.pk).seen > 0, what="the first job")
        second, outcome = job_start(kind="test.count", scope="test:q", params={"steps": 3})
        assert outcome == JobStartOutcome.QUEUED
        time.sleep(0.5)  # a free worker is there, and does not take it
        assert SyncJob.objects.get(pk=second.pk).status == SyncJob.Status.QUEUED
        wait_for(
            lambda: SyncJob.objects.get(pk=second.pk).status == SyncJob.Status.SUCCEEDED,
            what=f"the queued job to run; worker log:\n{cluster.log()}",
        )
    finally:
        cluster.stop()
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == SyncJob.Status.SUCCEEDED and first.seen == 20
    assert second.seen == 3 and second.started_at >= first.finished_at
    # handed over when the first ended, not by the per-minute watch's safety net
    assert (second.started_at - first.finished_at).total_seconds() < 5
