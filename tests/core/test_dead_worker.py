"""A killed worker is detected: its job page says so at once, Cancel ends the job at
once, and the per-minute watch ends it anyway; then the next job of its scope runs."""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_q.models import Schedule

from core.models import AuditEvent, SyncJob
from core.services.jobs import WATCH_SCHEDULE, JobStartOutcome, job_start
from core.tasks import watch_jobs
from tests.workers import QCluster, kill_hard, wait_for

SILENT = re.compile(r"The worker running this job has not reported since \d\d:\d\d:\d\d")


def _silent_running_job(settings, scope: str = "test:dead", behind: bool = False):
    """A job marked running whose worker stopped beating (and one queued behind it)."""
    job, _ = job_start(kind="test.count", scope=scope)
    SyncJob.objects.filter(pk=job.pk).update(status=SyncJob.Status.RUNNING)
    queued = job_start(kind="test.count", scope=scope, params={"steps": 1}) if behind else None
    SyncJob.objects.filter(pk=job.pk).update(
        heartbeat_at=timezone.now() - timedelta(seconds=settings.JOB_STALE_AFTER_S + 1),
    )
    job.refresh_from_db()
    return (job, queued) if behind else job


@pytest.mark.django_db
def test_the_job_page_says_the_worker_went_silent_and_writes_nothing(
    admin_web: Client, settings
) -> None:
    job = _silent_running_job(settings)
    events = AuditEvent.objects.count()
    for url in (reverse("job_detail", args=[job.pk]), reverse("job_progress", args=[job.pk])):
        page = admin_web.get(url).content.decode()
        assert SILENT.search(page) and "Cancel job" in page
    job.refresh_from_db()
    assert job.status == SyncJob.Status.RUNNING and AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_a_live_job_is_not_called_silent(admin_web: Client) -> None:
    job, _ = job_start(kind="test.count", scope="test:dead")
    SyncJob.objects.filter(pk=job.pk).update(
        status=SyncJob.Status.RUNNING, heartbeat_at=timezone.now()
    )
    page = admin_web.get(reverse("job_detail", args=[job.pk])).content.decode()
    assert "has not reported" not in page and "Cancel job" in page


@pytest.mark.django_db
def test_cancel_ends_a_job_whose_worker_stopped_at_once(admin_web: Client, settings) -> None:
    job, (behind, outcome) = _silent_running_job(settings, behind=True)
    assert outcome == JobStartOutcome.QUEUED
    response = admin_web.post(reverse("job_cancel", args=[job.pk]), follow=True)
    page = response.content.decode()
    job.refresh_from_db()
    assert job.status == SyncJob.Status.CANCELLED and job.finished_at
    assert "the worker running this job had stopped" in job.error
    assert "was cancelled" in page and "had stopped" in page
    event = AuditEvent.objects.get(job_id=job.pk, action="job.cancelled")
    assert event.actor_username == "alice" and "had stopped" in event.message
    assert "Cancel job" not in page  # the job has ended
    behind.refresh_from_db()
    assert behind.status == SyncJob.Status.QUEUED  # first in line now: handed to a worker
    assert 'data-testid="queued-behind"' not in (
        admin_web.get(reverse("job_detail", args=[behind.pk])).content.decode()
    )


@pytest.mark.django_db
def test_the_cancel_button_is_gone_once_the_job_ended(admin_web: Client) -> None:
    job, _ = job_start(kind="test.count", scope="test:dead")
    url = reverse("job_progress", args=[job.pk])
    assert "Cancel job" in admin_web.get(url).content.decode()
    SyncJob.objects.filter(pk=job.pk).update(status=SyncJob.Status.SUCCEEDED)
    assert "Cancel job" not in admin_web.get(url).content.decode()


@pytest.mark.django_db
def test_the_watch_is_scheduled_every_minute_once(settings) -> None:
    call_command("migrate", verbosity=0)  # post_migrate runs again: still one schedule
    schedule = Schedule.objects.get(name=WATCH_SCHEDULE)
    assert schedule.func == "core.tasks.watch_jobs"
    assert (schedule.schedule_type, schedule.minutes) == (Schedule.MINUTES, 1)
    dead = _silent_running_job(settings)
    idle, _ = job_start(kind="test.count", scope="test:idle")
    assert watch_jobs() == "1 dead job(s) ended, 1 queued job(s) handed over"
    dead.refresh_from_db()
    assert dead.status == SyncJob.Status.FAILED and "stopped responding" in dead.error
    assert idle.pk


@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_is_found_and_the_jobs_behind_it_run(
    tmp_path, settings, monkeypatch, admin_web: Client
) -> None:
    settings.JOB_STALE_AFTER_S = 2
    monkeypatch.setenv("JOB_STALE_AFTER_S", "2")
    monkeypatch.setenv("JOB_HEARTBEAT_S", "0.5")
    long = {"steps": 2000, "delay": 0.05}
    first = QCluster(tmp_path)
    watched, _ = job_start(kind="test.count", scope="test:watched", params=long)
    cancelled, _ = job_start(kind="test.count", scope="test:cancelled", params=long)
    wait_for(
        lambda: all(SyncJob.objects.get(pk=j.pk).seen for j in (watched, cancelled)),
        what="both jobs to run",
    )
    after_watched, _ = job_start(kind="test.count", scope="test:watched", params={"steps": 1})
    after_cancelled, _ = job_start(kind="test.count", scope="test:cancelled", params={"steps": 1})
    kill_hard(first.process)
    first.stop()

    second = QCluster(tmp_path)
    try:
        page_url = reverse("job_detail", args=[cancelled.pk])
        wait_for(lambda: SILENT.search(admin_web.get(page_url).content.decode()), timeout=10)
        assert SyncJob.objects.get(pk=cancelled.pk).status == SyncJob.Status.RUNNING
        admin_web.post(reverse("job_cancel", args=[cancelled.pk]))
        assert SyncJob.objects.get(pk=cancelled.pk).status == SyncJob.Status.CANCELLED
        wait_for(
            lambda: SyncJob.objects.get(pk=after_cancelled.pk).status == "succeeded",
            timeout=20,
            what="the job behind the cancelled one to run",
        )
        # nobody touches the other one: the per-minute watch of the new cluster ends it
        wait_for(
            lambda: SyncJob.objects.get(pk=after_watched.pk).status == "succeeded",
            timeout=75,
            what=f"the watch to end the dead job; worker log:\n{second.log()}",
        )
    finally:
        second.stop()
    watched.refresh_from_db()
    assert watched.status == SyncJob.Status.FAILED and "stopped responding" in watched.error
    assert AuditEvent.objects.filter(job_id=watched.pk, action="job.abandoned").exists()
