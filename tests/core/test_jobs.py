"""Starting, running, cancelling jobs; one job per scope."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.job_kinds import UnknownJobKind
from core.models import AuditEvent, SyncJob
from core.services.jobs import JobStartOutcome, job_cancel, job_run, job_start


@pytest.mark.django_db
def test_start_queues_a_job_and_enqueues_it_on_commit(
    admin, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    enqueued = []
    monkeypatch.setattr("core.services.job_queue.async_task", lambda *a, **k: enqueued.append(a))
    with django_capture_on_commit_callbacks(execute=True):
        job, outcome = job_start(kind="test.count", scope="test:a", requested_by=admin)
    assert outcome == JobStartOutcome.STARTED and job.status == SyncJob.Status.QUEUED
    assert enqueued == [("core.tasks.run_job", job.pk)]
    assert AuditEvent.objects.filter(job_id=job.pk, action="job.queued").exists()


@pytest.mark.django_db
def test_a_second_identical_start_returns_the_active_job(admin) -> None:
    first, outcome = job_start(kind="test.count", scope="test:a", requested_by=admin)
    second, outcome_again = job_start(kind="test.count", scope="test:a", requested_by=admin)
    assert outcome == JobStartOutcome.STARTED and outcome_again == JobStartOutcome.JOINED
    assert second.pk == first.pk
    other, outcome_other = job_start(kind="test.count", scope="test:b")
    assert outcome_other == JobStartOutcome.STARTED and other.pk != first.pk


@pytest.mark.django_db
def test_unknown_kinds_are_refused() -> None:
    with pytest.raises(UnknownJobKind):
        job_start(kind="nope", scope="x")
    assert not SyncJob.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_starts_for_one_scope_make_one_job() -> None:
    barrier = threading.Barrier(6)
    results: list[tuple[int, bool]] = []
    errors: list[BaseException] = []

    def start() -> None:
        try:
            barrier.wait()
            job, outcome = job_start(kind="test.count", scope="test:race")
            results.append((job.pk, outcome != JobStartOutcome.JOINED))
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert SyncJob.objects.filter(scope="test:race").count() == 1
    assert len({pk for pk, _ in results}) == 1
    assert sum(created for _, created in results) == 1


@pytest.mark.django_db
def test_a_finished_scope_can_start_again() -> None:
    job, _ = job_start(kind="test.count", scope="test:a")
    job_run(job_id=job.pk)
    again, outcome = job_start(kind="test.count", scope="test:a")
    assert outcome == JobStartOutcome.STARTED and again.pk != job.pk


@pytest.mark.django_db
def test_running_counts_progress_and_succeeds() -> None:
    job, _ = job_start(kind="test.count", scope="test:a", params={"steps": 4})
    job = job_run(job_id=job.pk)
    assert job.status == SyncJob.Status.SUCCEEDED
    assert (job.seen, job.created, job.hubspot_calls, job.salesforce_calls) == (4, 4, 4, 4)
    finished = AuditEvent.objects.get(job_id=job.pk, action="job.finished")
    assert "Seen 4: created 4" in finished.message


@pytest.mark.django_db
def test_record_failures_end_partially_failed() -> None:
    job, _ = job_start(kind="test.count", scope="test:a", params={"steps": 3, "fail": [1]})
    job = job_run(job_id=job.pk)
    assert job.status == SyncJob.Status.PARTIALLY_FAILED
    assert (job.created, job.failed) == (2, 1)


@pytest.mark.django_db
def test_a_crash_fails_the_job_with_its_error() -> None:
    job, _ = job_start(kind="test.count", scope="test:a", params={"crash": "Salesforce said no"})
    job = job_run(job_id=job.pk)
    assert job.status == SyncJob.Status.FAILED
    assert job.error == "Salesforce said no"
    assert AuditEvent.objects.get(job_id=job.pk, action="job.finished").status == "failed"


@pytest.mark.django_db
def test_a_job_runs_once_even_if_delivered_twice() -> None:
    job, _ = job_start(kind="test.count", scope="test:a", params={"steps": 2})
    job_run(job_id=job.pk)
    job = job_run(job_id=job.pk)
    assert job.seen == 2


@pytest.mark.django_db
def test_cancelling_a_queued_job_stops_it_before_it_runs(admin) -> None:
    job, _ = job_start(kind="test.count", scope="test:a")
    job = job_cancel(job=job, actor=admin)
    assert job.status == SyncJob.Status.CANCELLED
    assert job_run(job_id=job.pk).seen == 0
    assert AuditEvent.objects.filter(job_id=job.pk, action="job.cancelled").exists()


@pytest.mark.django_db(transaction=True)
def test_cancelling_a_running_job_stops_it_between_batches(admin) -> None:
    job, _ = job_start(kind="test.count", scope="test:a", params={"steps": 200, "delay": 0.01})
    worker = threading.Thread(target=lambda: (job_run(job_id=job.pk), connection.close()))
    worker.start()
    while SyncJob.objects.get(pk=job.pk).seen < 3:
        pass
    job_cancel(job=job, actor=admin)
    worker.join(10)
    job.refresh_from_db()
    assert job.status == SyncJob.Status.CANCELLED
    assert 3 <= job.seen < 200
    assert AuditEvent.objects.filter(job_id=job.pk, action="job.cancel_requested").exists()


@pytest.mark.django_db
def test_a_dead_worker_does_not_block_its_scope_forever(settings) -> None:
    job, _ = job_start(kind="test.count", scope="test:a")
    SyncJob.objects.filter(pk=job.pk).update(
        status=SyncJob.Status.RUNNING,
        heartbeat_at=timezone.now() - timedelta(seconds=settings.JOB_STALE_AFTER_S + 5),
    )
    again, outcome = job_start(kind="test.count", scope="test:a")
    assert outcome == JobStartOutcome.STARTED
    job.refresh_from_db()
    assert job.status == SyncJob.Status.FAILED and "stopped responding" in job.error


@pytest.mark.django_db
def test_the_job_page_says_when_a_click_joined_a_running_job(admin_web: Client) -> None:
    job, _ = job_start(kind="test.count", scope="test:a")
    page = admin_web.get(reverse("job_detail", args=[job.pk])).content.decode()
    assert f"Job #{job.pk}" in page and "Queued" in page


@pytest.mark.django_db
def test_cancel_button_cancels(admin_web: Client) -> None:
    job, _ = job_start(kind="test.count", scope="test:a")
    response = admin_web.post(reverse("job_cancel", args=[job.pk]), follow=True)
    assert b"was cancelled" in response.content
    job.refresh_from_db()
    assert job.status == SyncJob.Status.CANCELLED


@pytest.mark.django_db
def test_a_job_that_must_wait_is_parked_and_resumes_later() -> None:
    from django_q.models import Schedule

    job, _ = job_start(kind="test.wait", scope="test:wait")
    job = job_run(job_id=job.pk)
    assert job.status == SyncJob.Status.WAITING and job.waiting_reason == "Budget used up."
    schedule = Schedule.objects.get(name=f"resume-syncjob-{job.pk}")
    assert schedule.func == "core.tasks.run_job" and schedule.args == str(job.pk)
    again, outcome = job_start(kind="test.wait", scope="test:wait")
    assert outcome == JobStartOutcome.JOINED and again.pk == job.pk
    other, outcome = job_start(kind="test.wait", scope="test:wait", params={"other": 1})
    assert outcome == JobStartOutcome.QUEUED  # the scope stays taken while waiting
    assert job_run(job_id=other.pk).status == SyncJob.Status.QUEUED
    job = job_run(job_id=job.pk)
    assert job.status == SyncJob.Status.SUCCEEDED and (job.seen, job.created) == (2, 1)
