"""Issue #15: times in the viewer's time zone. The browser reports its zone (POST
/me/time-zone/), it is stored per user, and every later page shows times in it and
names it in the footer; a user without a stored zone sees syncadmin's default (UTC)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client

from core.models import SyncJob, UserTimeZone
from tests.factories import SyncJobFactory

pytestmark = pytest.mark.django_db

#: 12:00 UTC on a winter day: 14:00 in Helsinki (UTC+2), 21:00 in Tokyo (UTC+9)
NOON_UTC = datetime(2026, 1, 15, 12, 0, 0, tzinfo=UTC)


def job_at_noon() -> SyncJob:
    job = SyncJobFactory()
    SyncJob.objects.filter(pk=job.pk).update(created_at=NOON_UTC)
    return job


def report(web: Client, zone: str):
    return web.post("/me/time-zone/", {"zone": zone})


def test_times_are_shown_in_the_zone_the_browser_reported(admin_web: Client) -> None:
    job = job_at_noon()
    page = admin_web.get(f"/jobs/{job.pk}/").content.decode()
    assert "queued 2026-01-15 12:00:00" in page
    assert 'data-testid="time-zone">UTC<' in page

    assert report(admin_web, "Europe/Helsinki").json() == {
        "zone": "Europe/Helsinki",
        "changed": True,
    }
    page = admin_web.get(f"/jobs/{job.pk}/").content.decode()
    assert "queued 2026-01-15 14:00:00" in page
    assert 'data-testid="time-zone">Europe/Helsinki<' in page
    jobs = admin_web.get("/jobs/").content.decode()
    assert "2026-01-15 14:00:00" in jobs and "2026-01-15 12:00:00" not in jobs


def test_each_user_keeps_their_own_zone(admin_web: Client, viewer_web: Client) -> None:
    job = job_at_noon()
    report(admin_web, "Europe/Helsinki")
    assert report(viewer_web, "Asia/Tokyo").status_code == 200  # viewers too
    assert "queued 2026-01-15 14:00:00" in admin_web.get(f"/jobs/{job.pk}/").content.decode()
    assert "queued 2026-01-15 21:00:00" in viewer_web.get(f"/jobs/{job.pk}/").content.decode()
    assert report(viewer_web, "Asia/Tokyo").json()["changed"] is False
    assert UserTimeZone.objects.count() == 2


def test_a_zone_python_does_not_know_is_refused_briefly(admin_web: Client) -> None:
    response = report(admin_web, "Mars/Olympus_Mons" + "x" * 5000)
    assert response.status_code == 400
    message = response.json()["error"]
    assert "is not a time zone name" in message and len(message) < 200
    assert not UserTimeZone.objects.exists()


def test_reading_a_page_stores_nothing(admin_web: Client) -> None:
    admin_web.get("/jobs/")
    assert not UserTimeZone.objects.exists()
    assert admin_web.get("/me/time-zone/").status_code == 405
