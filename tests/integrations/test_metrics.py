"""/metrics: Prometheus text behind a bearer token, figures read from the database."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from prometheus_client.parser import text_string_to_metric_families

from core.models import SyncJob
from integrations.engine.contacts.jobs import CONTACT_SYNC
from integrations.models import ReconcileFinding, RecordError
from tests.factories import RecordErrorFactory, SyncJobFactory
from tests.sides import person, run_sync

pytestmark = pytest.mark.django_db

TOKEN = "scrape-me-0123456789abcdef"


@pytest.fixture
def token(settings) -> str:
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def scrape(token: str = TOKEN) -> dict[str, dict[tuple, float]]:
    """``{sample name: {labels as sorted tuples: value}}`` of one authorised scrape."""
    response = Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    samples: dict[str, dict[tuple, float]] = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get(name, {}).get(tuple(sorted(labels.items())), 0.0)


def test_it_is_off_without_a_token_setting(settings) -> None:
    settings.METRICS_TOKEN = ""
    response = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer anything")
    assert response.status_code == 404
    assert "set METRICS_TOKEN" in response.content.decode()


@pytest.mark.parametrize(
    "header", ["", "Bearer", "Bearer wrong-token", f"Basic {TOKEN}", f"Bearer {TOKEN}x"]
)
def test_it_refuses_a_missing_or_wrong_token(token: str, header: str) -> None:
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = Client().get("/metrics", **extra)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "syncadmin_jobs" not in response.content.decode()


def test_it_needs_no_login_but_never_writes(token: str) -> None:
    assert Client().post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 405
    assert Client().get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200


def test_the_figures_move_after_a_real_job(token: str, hubspot, salesforce) -> None:
    before = scrape()
    assert value(before, "syncadmin_records_total", kind=CONTACT_SYNC, outcome="created") == 0
    hubspot.create_contacts(person("ada@example.com"), person("bob@example.com"))
    hubspot.create_contacts({"firstname": "No", "lastname": "Email"})

    job = run_sync("all")

    assert job.status == SyncJob.Status.SUCCEEDED, job.error
    after = scrape()
    kind = {"kind": CONTACT_SYNC}
    assert value(after, "syncadmin_jobs", status="succeeded", **kind) == 1
    for outcome in SyncJob.OUTCOMES:
        assert value(after, "syncadmin_records_total", outcome=outcome, **kind) == getattr(
            job, outcome
        ), outcome
    assert value(after, "syncadmin_records_total", outcome="created", **kind) == 2
    assert value(after, "syncadmin_records_seen_total", **kind) == job.seen
    assert job.skipped_reasons
    for reason, n in job.skipped_reasons.items():
        assert value(after, "syncadmin_records_skipped_total", reason=reason, **kind) == n
    assert value(after, "syncadmin_api_calls_total", side="HubSpot") == job.hubspot_calls > 0
    assert value(after, "syncadmin_api_calls_total", side="Salesforce") == job.salesforce_calls
    # the budget leaves out logins, which Salesforce does not count; the job counts them
    assert 0 < value(after, "syncadmin_salesforce_budget_used") <= job.salesforce_calls
    assert value(after, "syncadmin_salesforce_budget_allocated") == 5000
    assert value(after, "syncadmin_salesforce_org_api_max") > 0
    assert value(after, "syncadmin_last_successful_sync_timestamp_seconds", **kind) == (
        job.finished_at.timestamp()
    )


def test_queue_errors_and_findings_are_counted(token: str) -> None:
    SyncJobFactory(kind=CONTACT_SYNC, status=SyncJob.Status.QUEUED)
    SyncJobFactory(kind=CONTACT_SYNC, status=SyncJob.Status.FAILED)
    RecordErrorFactory.create_batch(3, category=RecordError.Category.VALIDATION)
    ReconcileFinding.objects.create(kind=ReconcileFinding.Kind.DUPLICATE, record_key="email:a@b.c")

    samples = scrape()

    assert value(samples, "syncadmin_queue_depth") == 1
    assert value(samples, "syncadmin_jobs", kind=CONTACT_SYNC, status="failed") == 1
    assert value(samples, "syncadmin_open_errors", category="validation") == 3
    assert value(samples, "syncadmin_open_errors", category="duplicate") == 0
    assert value(samples, "syncadmin_reconcile_findings", kind="duplicate") == 1
    assert ("kind", "field_drift") in {k[0] for k in samples["syncadmin_reconcile_findings"]}
    assert "syncadmin_broker_queue_size" in samples


def test_a_scrape_costs_the_same_queries_with_many_jobs(token: str) -> None:
    SyncJobFactory(
        kind=CONTACT_SYNC,
        status=SyncJob.Status.SUCCEEDED,
        skipped=1,
        skipped_reasons={"no_email": 1},
    )
    with CaptureQueriesContext(connection) as few:
        scrape()
    for i in range(40):
        SyncJobFactory(
            kind=CONTACT_SYNC if i % 2 else "activity_sync",
            status=SyncJob.Status.SUCCEEDED,
            skipped=2,
            skipped_reasons={"no_email": 1, "not_in_list": 1},
        )
    with CaptureQueriesContext(connection) as many:
        samples = scrape()
    assert len(many) == len(few)
    assert (
        value(samples, "syncadmin_records_skipped_total", kind=CONTACT_SYNC, reason="no_email")
        == 21
    )
