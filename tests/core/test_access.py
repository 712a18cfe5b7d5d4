"""Login on every page, read-only viewers, POST-only actions."""

import pytest
from django.test import Client
from django.urls import reverse

from core.models import SyncJob
from tests.factories import SyncJobFactory

pytestmark = pytest.mark.django_db

PAGES = ["overview", "connections", "contacts", "activities", "jobs", "audit_log", "health"]


@pytest.fixture
def job() -> SyncJob:
    return SyncJobFactory()


def page_urls(job: SyncJob) -> list[str]:
    return [reverse(name) for name in PAGES] + [
        reverse("job_detail", args=[job.pk]),
        reverse("job_progress", args=[job.pk]),
    ]


def test_anonymous_is_sent_to_login_from_every_page(client: Client, job: SyncJob) -> None:
    for url in page_urls(job):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_anonymous_cannot_post(client: Client, job: SyncJob) -> None:
    response = client.post(reverse("job_cancel", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == SyncJob.Status.QUEUED


def test_viewer_reads_every_page(viewer_web: Client, job: SyncJob) -> None:
    for url in page_urls(job):
        assert viewer_web.get(url).status_code == 200, url


def test_viewer_post_is_forbidden_and_changes_nothing(viewer_web: Client, job: SyncJob) -> None:
    response = viewer_web.post(reverse("job_cancel", args=[job.pk]))
    assert response.status_code == 403
    assert b"read-only" in response.content
    job.refresh_from_db()
    assert job.status == SyncJob.Status.QUEUED and not job.cancel_requested


def test_viewer_post_to_any_page_is_forbidden(viewer_web: Client) -> None:
    assert viewer_web.post(reverse("overview")).status_code == 403


def test_viewer_can_log_out(viewer_web: Client) -> None:
    viewer_web.post(reverse("logout"))
    assert viewer_web.get(reverse("overview")).status_code == 302


def test_get_on_a_post_only_view_is_405(admin_web: Client, job: SyncJob) -> None:
    assert admin_web.get(reverse("job_cancel", args=[job.pk])).status_code == 405


def test_viewer_sees_no_cancel_button_admin_does(
    viewer_web: Client, admin_web: Client, job: SyncJob
) -> None:
    url = reverse("job_detail", args=[job.pk])
    assert b"Cancel job" not in viewer_web.get(url).content
    assert b"Cancel job" in admin_web.get(url).content


def test_login_page_logs_a_user_in(client: Client, admin) -> None:
    from tests.factories import PASSWORD

    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("overview")).status_code == 200


def test_wrong_password_is_refused_with_a_message(client: Client, admin) -> None:
    response = client.post(reverse("login"), {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert b"password didn't match" in response.content
    assert client.get(reverse("overview")).status_code == 302
