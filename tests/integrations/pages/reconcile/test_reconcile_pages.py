"""Sync health's Reconcile section: findings with both sides' values, Fix, schedule, CSV;
admins act, viewers read; bad input is a clear message that changes nothing."""

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse
from django_q.models import Schedule

from core.models import AuditEvent, SyncJob
from integrations.models import ReconcileFinding, ReconcileSettings
from tests.integrations.engine.reconcile.conftest import person, run_reconcile, run_sync

pytestmark = pytest.mark.django_db


@pytest.fixture
def drifted(hubspot, salesforce):
    [bob] = hubspot.create_contacts(person("bob@example.com"))
    run_sync("all")
    hubspot.update_contact(bob, firstname="=HYPERLINK(1)")
    job = run_reconcile()
    return job, ReconcileFinding.objects.get()


def _page(web: Client) -> str:
    return web.get(reverse("health")).content.decode()


def test_findings_show_both_sides_and_the_last_run(viewer_web: Client, drifted) -> None:
    job, finding = drifted
    page = _page(viewer_web)
    assert "Field drift" in page and 'data-testid="finding-count-field_drift">1<' in page
    assert "=HYPERLINK(1)" in page and ">Bob<" in page  # HubSpot and Salesforce values
    assert reverse("job_detail", args=[job.pk]) in page
    assert "1 open finding" in page
    assert ">Fix</button>" not in page and ">Reconcile</button>" not in page  # viewers read
    assert 'name="every_hours"' not in page


def test_admins_get_fix_reconcile_and_schedule(admin_web: Client, drifted) -> None:
    page = _page(admin_web)
    assert ">Fix</button>" in page and ">Reconcile</button>" in page
    assert 'name="every_hours"' in page and "every 24 hours" in page


def test_a_clean_run_says_so(viewer_web: Client, hubspot, salesforce) -> None:
    hubspot.create_contacts(person("ann@example.com"))
    run_sync("all")
    run_reconcile()
    page = _page(viewer_web)
    assert 'data-testid="reconcile-clean"' in page and "0 open findings" in page


def test_reconcile_button_starts_a_job(admin_web: Client, connected) -> None:
    response = admin_web.post(reverse("reconcile_now"))
    job = SyncJob.objects.get(kind="reconcile")
    assert response.status_code == 302
    assert response["Location"] == reverse("job_detail", args=[job.pk])
    assert job.scope == "reconcile" and job.requested_by is not None
    # a second click joins it: never two at once
    admin_web.post(reverse("reconcile_now"))
    assert SyncJob.objects.filter(kind="reconcile").count() == 1


def test_viewers_cannot_run_fix_or_reschedule(viewer_web: Client, drifted) -> None:
    _, finding = drifted
    assert viewer_web.post(reverse("reconcile_now")).status_code == 403
    assert viewer_web.post(reverse("reconcile_fix"), {"finding": finding.pk}).status_code == 403
    assert viewer_web.post(reverse("reconcile_schedule"), {"every_hours": 2}).status_code == 403
    assert SyncJob.objects.filter(kind="reconcile").count() == 1
    assert ReconcileSettings.load().every_hours == 24


def test_fix_starts_a_resync_then_a_check(admin_web: Client, drifted) -> None:
    _, finding = drifted
    response = admin_web.post(reverse("reconcile_fix"), {"finding": finding.pk}, follow=True)
    resync = SyncJob.objects.get(kind="contacts.sync", trigger=SyncJob.Trigger.RETRY)
    assert response.redirect_chain[0][0] == reverse("job_detail", args=[resync.pk])
    assert resync.params["records"] == [f"hs:{finding.hubspot_id}"]
    check = SyncJob.objects.filter(kind="reconcile").first()
    assert check.status == SyncJob.Status.QUEUED
    finding.refresh_from_db()
    assert finding.details["fix_jobs"] == [resync.pk, check.pk]
    assert f"job #{check.pk}" in _page(admin_web)


@pytest.mark.parametrize("value", ["999999", "abc", ""])
def test_fix_of_an_unknown_finding_is_a_clear_error(admin_web: Client, drifted, value) -> None:
    data = {"finding": value} if value else {"kind": "no_such_kind"}
    response = admin_web.post(reverse("reconcile_fix"), data, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was changed" in page
    assert not SyncJob.objects.filter(trigger=SyncJob.Trigger.RETRY).exists()


def test_duplicates_are_not_fixed_automatically(admin_web: Client, hubspot, salesforce) -> None:
    hubspot.create_contacts(person("cat@example.com"))
    run_sync("all")
    salesforce.create("Lead", Email="cat@example.com", LastName="Cat", Company="Acme")
    run_reconcile()
    finding = ReconcileFinding.objects.get(kind="duplicate")
    page = _page(admin_web)
    assert "linked</strong> to HubSpot" in page and "not linked" in page
    response = admin_web.post(reverse("reconcile_fix"), {"finding": finding.pk}, follow=True)
    assert "merge the records in Salesforce" in response.content.decode()
    assert not SyncJob.objects.filter(trigger=SyncJob.Trigger.RETRY).exists()


def test_the_schedule_is_daily_by_default_and_editable(admin_web: Client, admin) -> None:
    schedule = Schedule.objects.get(name="reconcile")
    assert schedule.minutes == 24 * 60
    admin_web.post(reverse("reconcile_schedule"), {"every_hours": "6"})
    assert Schedule.objects.get(name="reconcile").minutes == 6 * 60
    event = AuditEvent.objects.get(action="settings.changed", object_label="Reconcile schedule")
    assert event.actor_username == admin.username
    assert event.changes == [{"field": "every_hours", "before": 24, "after": 6}]


@pytest.mark.parametrize("value", ["0", "169", "2.5", "-1", "daily", ""])
def test_bad_schedule_values_change_nothing(admin_web: Client, value) -> None:
    response = admin_web.post(reverse("reconcile_schedule"), {"every_hours": value}, follow=True)
    assert response.status_code == 200
    assert "every 1 to 168 hours" in response.content.decode()
    assert ReconcileSettings.load().every_hours == 24
    assert Schedule.objects.get(name="reconcile").minutes == 24 * 60
    assert not AuditEvent.objects.filter(object_label="Reconcile schedule").exists()


def test_csv_export_lists_every_finding(viewer_web: Client, drifted) -> None:
    _, finding = drifted
    response = viewer_web.get(reverse("reconcile_export"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 1
    row = rows[0]
    assert row["kind"] == "Field drift" and row["field"] == "firstname"
    assert row["email"] == "bob@example.com" and row["salesforce_value"] == "Bob"
    # a spreadsheet must not run CRM data as a formula
    assert row["hubspot_value"] == "'=HYPERLINK(1)" == "'" + finding.hubspot_value
    assert row["expected_value"] == "'=HYPERLINK(1)"
