"""The run pages' server side: the fragments they poll (which never write), when they
stop polling, the progress bar's total, Cancel's confirmation, what each run was for,
and the Salesforce API figures."""

from __future__ import annotations

from datetime import timedelta
from unittest.mock import Mock

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent, SyncJob
from core.services.job_runtime import JobContext
from core.services.jobs import job_run, job_start
from integrations.engine.activities.jobs import activities_sync_start
from integrations.engine.contacts.jobs import contacts_sync_start
from integrations.engine.contacts.options import Mode
from integrations.http import budget
from integrations.models import ApiUsageDay, ContactSyncSettings
from tests.factories import ActivityTypeFactory

pytestmark = pytest.mark.django_db


def _snapshot() -> tuple[list[tuple], int]:
    jobs = list(SyncJob.objects.order_by("pk").values_list("pk", "status", "updated_at"))
    return jobs, AuditEvent.objects.count()


def _ended() -> SyncJob:
    job, _ = job_start(kind="test.count", scope="test:page", params={"steps": 3})
    return job_run(job_id=job.pk)


def _set(job: SyncJob, **fields) -> SyncJob:
    SyncJob.objects.filter(pk=job.pk).update(**fields)
    job.refresh_from_db()
    return job


def test_the_polled_fragments_answer_and_never_write(admin_web: Client) -> None:
    running, _ = job_start(kind="test.count", scope="test:a")
    _set(running, status=SyncJob.Status.RUNNING, started_at=timezone.now())
    ended = _ended()
    urls = [
        reverse("overview"),
        reverse("overview_live"),
        reverse("jobs"),
        reverse("jobs_table"),
        f"{reverse('jobs_table')}?status=running&page=1",
    ]
    for job in (running, ended):
        for name in ("job_detail", "job_progress", "job_events", "job_cancel_confirm"):
            urls.append(reverse(name, args=[job.pk]))
    before = _snapshot()
    for url in urls:
        assert admin_web.get(url).status_code == 200, url
    assert _snapshot() == before


def test_the_fragments_refuse_writes_and_unknown_jobs(admin_web: Client) -> None:
    for name in ("job_progress", "job_events", "job_cancel_confirm"):
        assert admin_web.get(reverse(name, args=[999])).status_code == 404
        assert admin_web.post(reverse(name, args=[999])).status_code == 405
    assert admin_web.post(reverse("jobs_table")).status_code == 405
    assert admin_web.post(reverse("overview_live")).status_code == 405


def test_bad_list_paging_is_the_first_page_not_an_error(admin_web: Client) -> None:
    _ended()
    page = admin_web.get(f"{reverse('jobs_table')}?status=nonsense&page=x{'9' * 500}")
    assert page.status_code == 200 and b"Page 1 of 1" in page.content


def test_the_events_keep_polling_until_the_trail_is_closed(admin_web: Client) -> None:
    job, _ = job_start(kind="test.count", scope="test:a")
    url = reverse("job_events", args=[job.pk])
    assert b'hx-trigger="every 2s"' in admin_web.get(url).content  # queued

    # ended a moment ago, closing event not written yet: one more look
    _set(job, status=SyncJob.Status.SUCCEEDED, finished_at=timezone.now())
    assert b'hx-trigger="every 2s"' in admin_web.get(url).content

    # ended long ago without one (an old job): nothing more will come
    _set(job, finished_at=timezone.now() - timedelta(minutes=1))
    assert b"hx-trigger" not in admin_web.get(url).content

    finished = _ended()
    page = admin_web.get(reverse("job_events", args=[finished.pk])).content.decode()
    assert "hx-trigger" not in page and "job.finished" in page


def test_the_progress_stops_polling_and_cancel_goes_once_the_job_ended(admin_web: Client) -> None:
    job, _ = job_start(kind="test.count", scope="test:a")
    page = admin_web.get(reverse("job_progress", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in page and 'data-testid="cancel-job"' in page
    job_run(job_id=job.pk)
    page = admin_web.get(reverse("job_progress", args=[job.pk])).content.decode()
    assert "hx-trigger" not in page and 'data-testid="cancel-job"' not in page


def test_the_lists_poll_fast_while_a_job_is_active_and_slowly_otherwise(
    admin_web: Client,
) -> None:
    idle = admin_web.get(reverse("jobs_table")).content.decode()
    assert 'hx-trigger="every 10s"' in idle  # page 1 notices new jobs
    assert 'hx-trigger="every 10s"' in admin_web.get(reverse("overview_live")).content.decode()
    job_start(kind="test.count", scope="test:a")
    assert 'hx-trigger="every 2s"' in admin_web.get(reverse("jobs_table")).content.decode()
    assert 'hx-trigger="every 2s"' in admin_web.get(reverse("overview_live")).content.decode()


def test_an_older_page_of_ended_jobs_does_not_poll(admin_web: Client) -> None:
    for _ in range(51):
        SyncJob.objects.create(kind="test.count", scope="test:a", status="succeeded")
    page = admin_web.get(f"{reverse('jobs_table')}?page=2").content.decode()
    assert "Page 2 of 2" in page and "hx-get" not in page


def test_a_run_that_says_its_total_gets_a_bar_with_it(admin_web: Client) -> None:
    job, _ = job_start(kind="test.count", scope="test:a")
    ctx = JobContext(job)
    ctx.progress(seen=3, created=2, failed=1)
    url = reverse("job_progress", args=[job.pk])
    page = admin_web.get(url).content.decode()
    assert "3 of ? records" in page and "has not said how many" in page
    ctx.set_total(10)
    page = admin_web.get(url).content.decode()
    assert "3 of 10 records (30 %)" in page
    assert 'value="3" max="10"' in page
    # segments are scaled to the total: 2 of 10 created is a fifth of the bar
    assert 'width="120.0" height="14" class="bar-created"' in page
    with pytest.raises(ValueError):
        ctx.set_total(-1)


def test_the_worker_run_stores_the_total_it_says() -> None:
    job, _ = job_start(kind="test.count", scope="test:a", params={"steps": 4, "say_total": True})
    assert job_run(job_id=job.pk).total == 4


def test_cancel_asks_first_and_has_nothing_to_ask_once_ended(
    admin_web: Client, viewer_web: Client
) -> None:
    job, _ = job_start(kind="test.count", scope="test:a")
    confirm = reverse("job_cancel_confirm", args=[job.pk])
    action = f'action="{reverse("job_cancel", args=[job.pk])}"'
    page = admin_web.get(confirm).content.decode()
    assert action in page and "Keep the job" in page
    assert not SyncJob.objects.get(pk=job.pk).cancel_requested  # asking changed nothing
    assert action not in viewer_web.get(confirm).content.decode()
    job_run(job_id=job.pk)
    page = admin_web.get(confirm).content.decode()
    assert action not in page and "nothing to cancel" in page


def test_each_kind_says_what_its_run_is_for(admin_web: Client) -> None:
    ContactSyncSettings.objects.update_or_create(
        pk=1, defaults={"inclusion_list_id": "7", "inclusion_list_name": "Customers EMEA"}
    )
    ActivityTypeFactory(key="task_created", enabled=True)
    cases = {
        contacts_sync_start(mode=Mode.INCREMENTAL).job: [
            "changed contacts in the inclusion list “Customers EMEA”"
        ],
        contacts_sync_start(mode=Mode.LIST).job: ["the inclusion list “Customers EMEA”"],
        contacts_sync_start(mode=Mode.IMPORT).job: [
            "Import from Salesforce",
            "with their email only",
            "“Customers EMEA”",
        ],
        contacts_sync_start(mode=Mode.RETRY, records=["hs:101", "sf:003A"]).job: [
            "Retry of 2 failed records: hs:101, sf:003A.",
            "hubspot_id=101",
            "salesforce_id=003A",
        ],
        contacts_sync_start(mode=Mode.ONE, contact="ann@example.com").job: [
            "one contact: ann@example.com"
        ],
        activities_sync_start().job: ["Activity sync", "every activity type that is on"],
    }
    for job, words in cases.items():
        page = admin_web.get(reverse("job_detail", args=[job.pk])).content.decode()
        purpose = page.split('data-testid="job-purpose"', 1)[1].split("</p>", 1)[0]
        for word in words:
            assert word in purpose, (job.kind, job.params, purpose)


def test_the_list_a_run_used_stays_named_after_the_list_changed(admin_web: Client) -> None:
    ContactSyncSettings.objects.update_or_create(pk=1, defaults={"inclusion_list_name": "Old"})
    job = contacts_sync_start(mode=Mode.ALL).job
    ContactSyncSettings.objects.filter(pk=1).update(inclusion_list_name="New")
    page = admin_web.get(reverse("job_detail", args=[job.pk])).content.decode()
    assert "inclusion list “Old”" in page


def _request(url: str) -> Mock:
    return Mock(url=url)


def test_logins_take_nothing_from_the_salesforce_budget() -> None:
    base = "https://sf.example.com"
    for url in (
        f"{base}/services/Soap/u/61.0",
        f"{base}/services/oauth2/token",
        f"{base}/services/oauth2/userinfo",
        f"{base}/services/data/",
    ):
        budget.budget_reserve(cap=5, request=_request(url))
    assert budget.budget_today(side=budget.SALESFORCE).calls == 0
    budget.budget_reserve(cap=5, request=_request(f"{base}/services/data/v61.0/query?q=x"))
    budget.budget_reserve(cap=5, request=_request(f"{base}/services/data/v61.0/sobjects/Lead"))
    assert budget.budget_today(side=budget.SALESFORCE).calls == 2


def test_the_api_card_names_each_figure(viewer_web: Client) -> None:
    ApiUsageDay.objects.create(
        side=budget.SALESFORCE, day=timezone.now().date(), calls=40, org_used=900, org_max=15000
    )
    page = viewer_web.get(reverse("overview")).content.decode()
    assert 'data-testid="sf-usage">40 / ' in page
    assert 'data-testid="sf-org-usage">900 / 15000<' in page
    assert "since midnight UTC" in page and "every app and user of the org" in page
    assert "sf-org-behind" not in page


def test_an_org_count_behind_ours_is_explained_not_shown_as_a_share(viewer_web: Client) -> None:
    ApiUsageDay.objects.create(
        side=budget.SALESFORCE, day=timezone.now().date(), calls=198, org_used=141, org_max=15000
    )
    page = viewer_web.get(reverse("overview")).content.decode()
    assert 'data-testid="sf-org-behind"' in page
    assert "started after some of today's calls" in page
