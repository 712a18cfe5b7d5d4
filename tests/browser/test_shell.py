"""A person logs in, walks every page, and watches a job progress live."""

import re

import pytest
from playwright.sync_api import Page, expect

from core.models import SyncJob
from core.services.jobs import job_start
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAV = ["Overview", "Connections", "Contacts", "Activities", "Jobs", "Audit log", "Sync health"]


def test_admin_logs_in_and_visits_every_page(page: Page, live_server, admin) -> None:
    page.goto(f"{live_server.url}/jobs/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/jobs/"))
    log_in(page, live_server.url, "alice")
    nav = page.get_by_role("navigation", name="Main")
    for label in NAV:
        nav.get_by_role("link", name=label, exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(label)
        expect(nav.get_by_role("link", name=label, exact=True)).to_have_attribute(
            "aria-current", "page"
        )
    expect(page.get_by_text("alice · admin")).to_be_visible()


def test_viewer_sees_no_admin_buttons(page: Page, live_server, viewer) -> None:
    job, _ = job_start(kind="test.count", scope="test:browser")
    log_in(page, live_server.url, "victor")
    expect(page.get_by_text("victor · viewer")).to_be_visible()
    page.goto(f"{live_server.url}/jobs/{job.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Job #{job.pk}")
    expect(page.get_by_role("button", name="Cancel job")).to_have_count(0)


def test_job_page_updates_without_a_reload(page: Page, live_server, admin) -> None:
    job, _ = job_start(kind="test.count", scope="test:browser")
    log_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/jobs/{job.pk}/")
    expect(page.get_by_test_id("job-status")).to_have_text("Queued")
    page.evaluate("window.__notReloaded = true")
    SyncJob.objects.filter(pk=job.pk).update(status=SyncJob.Status.RUNNING, seen=7)
    expect(page.get_by_test_id("seen")).to_have_text("7")
    expect(page.get_by_test_id("job-status")).to_have_text("Running")
    assert page.evaluate("window.__notReloaded") is True


def test_admin_cancels_a_job_from_its_page(page: Page, live_server, admin) -> None:
    job, _ = job_start(kind="test.count", scope="test:browser")
    log_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/jobs/{job.pk}/")
    page.get_by_role("button", name="Cancel job").click()
    page.get_by_role("button", name="Cancel job").click()  # the confirmation page's
    expect(page.get_by_role("status")).to_contain_text("was cancelled")
    expect(page.get_by_test_id("job-status")).to_have_text("Cancelled")
