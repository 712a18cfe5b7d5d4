"""Runs, as an admin watches them: the job page follows a real worker's run to its end
without a reload, Cancel asks first and is gone once the job ended, the Overview and the
Jobs list leave "Running" by themselves, each outcome bucket opens exactly its audit
events, the Overview chart reads true, and the API card's figures agree."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from playwright.sync_api import Page, expect

from core.models import AuditEvent, SyncJob
from core.services.audit import audit_record
from core.services.jobs import job_start
from integrations.engine.contacts.jobs import contacts_sync_start
from integrations.http.budget import SALESFORCE, budget_today
from integrations.models import SalesforceConnection
from integrations.pages.connections.services import connections_use_sandbox
from tests.browser.conftest import log_in
from tests.sides import HubSpotSide, person, run_sync
from tests.workers import QCluster, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: the audit log shows an action by its internal name or by its plain label
FINISHED = re.compile(r"job\.finished|job finished", re.IGNORECASE)


@pytest.fixture
def worker(tmp_path):
    cluster = QCluster(tmp_path)
    yield cluster
    cluster.stop()


def _not_reloaded(page: Page) -> None:
    page.evaluate("window.__notReloaded = true")


def _assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.__notReloaded") is True, "the page was reloaded"


def test_the_job_page_follows_a_real_run_to_its_end(page: Page, live_server, admin, worker):
    job, _ = job_start(
        kind="test.count",
        scope="test:run-page",
        params={"steps": 24, "delay": 0.25, "say_total": True},
    )
    log_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/jobs/{job.pk}/")
    _not_reloaded(page)
    bar = page.get_by_test_id("job-bar-text")
    events = page.get_by_test_id("job-events")

    texts: set[str] = set()
    deadline = time.monotonic() + 60
    while page.get_by_test_id("job-status").text_content() != "Succeeded":
        assert time.monotonic() < deadline, f"job did not finish:\n{worker.log()}"
        texts.add(bar.text_content() or "")
        time.sleep(0.2)
    partway = {t for t in texts if re.fullmatch(r"([1-9]|1\d|2[0-3]) of 24 records \(\d+ %\)", t)}
    assert partway, f"the bar never showed the run partway: {texts}"

    expect(bar).to_have_text("24 of 24 records (100 %)")
    expect(page.get_by_test_id("job-progressbar")).to_have_attribute("value", "24")
    expect(page.get_by_test_id("created")).to_have_text("24")
    # the audit table reaches the job's closing event, then stops polling
    expect(events.get_by_test_id("audit-row").filter(has_text=FINISHED)).to_have_count(1)
    expect(events).not_to_have_attribute("data-live", "on")
    expect(page.get_by_test_id("cancel-job")).to_have_count(0)
    _assert_not_reloaded(page)


def test_a_real_contact_sync_says_its_total_and_ends_at_all_of_it(
    page: Page, live_server, admin, sandbox, tmp_path
):
    """A sync of 300 sandbox contacts on a real worker: the bar gives HubSpot's count while
    the run is at work (not "?") and ends at every one of them."""
    connections_use_sandbox(info=sandbox.info)
    hubspot = HubSpotSide(sandbox)
    for start in range(0, 300, 100):
        hubspot.create_contacts(*(person(f"bar{i}@example.com") for i in range(start, start + 100)))
    # the first Salesforce create answers after 6 s: the run is at work, its total known,
    # for three of the page's 2-second refreshes however loaded the machine is
    sandbox.salesforce.fault(method="POST", path="*/composite/sobjects*", latency_ms=6_000)
    cluster = QCluster(tmp_path)
    try:
        job, _ = contacts_sync_start(mode="all")
        log_in(page, live_server.url, "alice")
        page.goto(f"{live_server.url}/jobs/{job.pk}/")
        bar = page.get_by_test_id("job-bar-text")
        status = page.get_by_test_id("job-status")
        while_running: list[str] = []
        deadline = time.monotonic() + 90
        while status.text_content() != "Succeeded":
            assert time.monotonic() < deadline, f"job did not finish:\n{cluster.log()}"
            text = bar.text_content() or ""
            if status.text_content() == "Running":
                while_running.append(text)
            time.sleep(0.2)
    finally:
        cluster.stop()
    expect(bar).to_have_text("300 of 300 records (100 %)")
    expect(page.get_by_test_id("job-progressbar")).to_have_attribute("max", "300")
    expect(page.get_by_test_id("created")).to_have_text("300")
    with_total = [t for t in while_running if re.fullmatch(r"\d+ of 300 records \(\d+ %\)", t)]
    assert with_total, f"the bar never gave the total while the run was at work: {while_running}"
    # once the total is known, the page never goes back to "?"
    first = while_running.index(with_total[0])
    assert all("of ?" not in t for t in while_running[first:]), while_running


def test_cancel_asks_first_and_is_gone_once_the_job_ended(page: Page, live_server, admin, worker):
    job, _ = job_start(
        kind="test.count", scope="test:run-page", params={"steps": 600, "delay": 0.1}
    )
    wait_for(lambda: SyncJob.objects.get(pk=job.pk).status == "running", what="the job to run")
    log_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/jobs/{job.pk}/")

    page.get_by_test_id("cancel-job").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Cancel job #{job.pk}?")
    page.get_by_role("button", name="Keep the job").click()  # a link that looks the part
    expect(page).to_have_url(re.compile(rf"/jobs/{job.pk}/$"))
    assert not SyncJob.objects.get(pk=job.pk).cancel_requested

    page.get_by_test_id("cancel-job").click()
    page.get_by_role("button", name="Cancel job", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("will stop after its current batch")
    _not_reloaded(page)
    expect(page.get_by_test_id("job-status")).to_have_text("Cancelled", timeout=30_000)
    expect(page.get_by_test_id("cancel-job")).to_have_count(0)
    expect(page.get_by_test_id("job-events")).to_contain_text("cancel", ignore_case=True)
    _assert_not_reloaded(page)


def test_overview_and_jobs_list_leave_running_by_themselves(page: Page, live_server, admin, worker):
    job, _ = job_start(kind="test.count", scope="test:run-page", params={"steps": 30, "delay": 0.2})
    wait_for(lambda: SyncJob.objects.get(pk=job.pk).status == "running", what="the job to run")
    log_in(page, live_server.url, "alice")
    jobs_list = page.context.new_page()
    jobs_list.goto(f"{live_server.url}/jobs/")
    page.goto(f"{live_server.url}/")
    for each in (page, jobs_list):
        _not_reloaded(each)

    running = page.get_by_test_id("running-jobs")
    expect(running.get_by_test_id(f"job-row-{job.pk}")).to_contain_text("Running", timeout=20_000)
    row = jobs_list.get_by_test_id(f"job-row-{job.pk}")
    expect(row.get_by_test_id("job-row-status")).to_have_text("Running", timeout=20_000)

    wait_for(lambda: SyncJob.objects.get(pk=job.pk).status == "succeeded", what="the job to end")
    expect(running).to_have_text("No job is queued or running.")
    recent = page.get_by_test_id("recent-jobs").get_by_test_id(f"job-row-{job.pk}")
    expect(recent.get_by_test_id("job-row-status")).to_have_text("Succeeded")
    expect(recent.get_by_test_id("job-row-counts")).to_contain_text("30 / 30 / 0")
    expect(row.get_by_test_id("job-row-status")).to_have_text("Succeeded")
    for each in (page, jobs_list):
        _assert_not_reloaded(each)


def test_each_outcome_opens_exactly_its_audit_events(page: Page, live_server, admin, sandbox):
    connections_use_sandbox(info=sandbox.info)
    hubspot = HubSpotSide(sandbox)
    first, *_ = hubspot.create_contacts(*(person(f"p{i}@example.com") for i in range(3)))
    run_sync("all")
    hubspot.update_contact(first, jobtitle="Boss")
    job = run_sync("all")
    buckets = {o: getattr(job, o) for o in SyncJob.OUTCOMES if getattr(job, o)}
    assert len(buckets) >= 2, buckets  # an update and unchanged ones, at least

    log_in(page, live_server.url, "alice")
    for outcome, count in buckets.items():
        page.goto(f"{live_server.url}/jobs/{job.pk}/")
        link = page.get_by_test_id(outcome)
        expect(link).to_have_text(str(count))
        link.click()
        expect(page).to_have_url(re.compile(rf"/audit/\?.*outcome={outcome}"))
        rows = page.get_by_test_id("audit-row")
        expect(rows).to_have_count(count)
        for i in range(count):
            expect(rows.nth(i)).to_contain_text(f"#{job.pk}")


def _stored_days() -> dict[str, tuple[int, int]]:
    """Each day's synced records and errors, straight from the audit trail."""
    from integrations.overview import FAILED_ACTIONS, SYNCED_ACTIONS

    rows = (
        AuditEvent.objects.annotate(day=TruncDate("occurred_at"))
        .values("day")
        .annotate(
            synced=Count("id", filter=Q(action__in=SYNCED_ACTIONS)),
            errors=Count("id", filter=Q(action__in=FAILED_ACTIONS)),
        )
    )
    return {r["day"].isoformat(): (r["synced"], r["errors"]) for r in rows}


def _read_off(page: Page, axis: str, bar_testid: str, day: str) -> float:
    """A bar's value read off its y-axis, as a person with a ruler would."""
    ticks = page.get_by_test_id(axis).get_by_test_id(re.compile(r".*-tick"))
    values = [int(t) for t in ticks.all_text_contents()]
    ys = [float(t.get_attribute("data-y")) for t in ticks.all()]
    rect = page.locator(f'[data-testid="{bar_testid}"][data-day="{day}"]')
    top = float(rect.get_attribute("y"))
    per_unit = (ys[0] - ys[-1]) / (values[-1] - values[0])
    return (ys[0] - top) / per_unit


def _plant(now, plan: dict[int, tuple[int, int]]) -> None:
    """``{days ago: (records synced, errors)}`` as the sync's audit events."""
    for days_ago, (synced, errors) in plan.items():
        at = now - timedelta(days=days_ago)
        for _ in range(synced):
            audit_record(action="record.updated", object_type="contact", occurred_at=at)
        for _ in range(errors):
            audit_record(
                action="record.failed", object_type="contact", status="failed", occurred_at=at
            )


def test_the_chart_reads_true_on_its_axes_and_in_its_table(page: Page, live_server, viewer):
    now = timezone.now()
    plan = {0: (1300, 3), 2: (480, 0), 5: (7, 1)}
    with transaction.atomic():  # one commit, not 1,800
        _plant(now, plan)
    stored = _stored_days()

    log_in(page, live_server.url, "victor")
    synced_axis = page.get_by_test_id("synced-axis").get_by_test_id("synced-tick")
    labels = [int(v) for v in synced_axis.all_text_contents()]
    assert labels[0] == 0 and labels[-1] >= 1300 and len(labels) >= 3, labels
    assert labels == sorted(labels)
    for day, (synced, errors) in stored.items():
        assert _read_off(page, "synced-axis", "bar-synced", day) == pytest.approx(synced, abs=1)
        assert _read_off(page, "errors-axis", "bar-errors", day) == pytest.approx(errors, abs=0.05)
    # three errors next to 1,300 records still make a bar a person can see
    busiest = page.locator(f'[data-testid="bar-errors"][data-day="{now.date().isoformat()}"]')
    assert busiest.bounding_box()["height"] >= 20

    page.get_by_text("Each day's numbers", exact=True).click()
    table = page.get_by_test_id("chart-table")
    expect(table).to_be_visible()
    shown = {
        row.get_attribute("data-day"): tuple(int(c) for c in row.locator("td").all_text_contents())
        for row in table.locator("tbody tr").all()
    }
    assert len(shown) == 14
    for day, figures in shown.items():
        assert figures == stored.get(day, (0, 0)), day


def test_the_api_card_figures_agree(page: Page, live_server, viewer, sandbox):
    connections_use_sandbox(info=sandbox.info)
    SalesforceConnection.objects.update(daily_budget=5000)
    hubspot = HubSpotSide(sandbox)
    hubspot.create_contacts(person("ann@example.com"), person("bob@example.com"))
    run_sync("all")
    run_sync("all")
    usage = budget_today(side=SALESFORCE)
    org = sandbox.salesforce.settings()
    # syncadmin's calls are part of the org's: never more than the whole
    assert 0 < usage.calls <= usage.org_used == org["api_usage"]

    log_in(page, live_server.url, "victor")
    card = page.get_by_test_id("api-card")
    expect(card.get_by_test_id("sf-usage")).to_have_text(f"{usage.calls} / 5000")
    expect(card.get_by_test_id("sf-org-usage")).to_have_text(
        f"{org['api_usage']} / {org['daily_api_limit']}"
    )
    expect(card).to_contain_text("since midnight UTC")
    expect(card).to_contain_text("every app and user of the org")
    expect(card.get_by_test_id("sf-org-behind")).to_have_count(0)
