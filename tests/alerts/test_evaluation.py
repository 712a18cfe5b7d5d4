"""Incidents follow the database: each rule opens one incident when its condition appears,
says nothing more while it stays, and recovers once when it clears."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from alerts.models import AlertRules, Delivery, Incident, Notification
from alerts.services.evaluation import incidents_evaluate
from core.models import SyncJob
from integrations.http import budget
from integrations.models import (
    ApiUsageDay,
    ContactSyncSettings,
    ReconcileFinding,
    RecordError,
    SalesforceConnection,
)
from tests.alerts.conftest import email_channel, webhook_channel
from tests.factories import RecordErrorFactory, SyncJobFactory

pytestmark = pytest.mark.django_db


def _ended(status: str, *, kind: str = "test.count", error: str = "") -> SyncJob:
    return SyncJobFactory(kind=kind, status=status, finished_at=timezone.now(), error=error)


def _events() -> list[tuple[str, str]]:
    return [(n.event, n.incident.key) for n in Notification.objects.order_by("id")]


def _error(key: str, category: str = RecordError.Category.VALIDATION, **fields) -> RecordError:
    return RecordErrorFactory(record_key=key, category=category, **fields)


def test_a_failed_job_opens_one_incident_and_its_next_success_recovers_it():
    _ended(SyncJob.Status.FAILED, error="Salesforce said no")
    assert [i.key for i in incidents_evaluate().opened] == ["job:test.count"]
    incident = Incident.objects.get()
    assert "Salesforce said no" in incident.text and incident.closed_at is None

    _ended(SyncJob.Status.PARTIALLY_FAILED)
    result = incidents_evaluate()
    assert not result.opened and not result.recovered

    _ended(SyncJob.Status.SUCCEEDED)
    assert incidents_evaluate().recovered == [incident]
    assert _events() == [("opened", "job:test.count"), ("recovered", "job:test.count")]
    recovery = Notification.objects.get(event="recovered")
    assert recovery.text.startswith("The latest run, job #") and "succeeded" in recovery.text

    _ended(SyncJob.Status.FAILED)
    incidents_evaluate()
    assert Incident.objects.filter(closed_at__isnull=True).count() == 1
    assert Notification.objects.filter(event="opened").count() == 2


def test_a_partially_failed_job_opens_an_incident_and_a_cancelled_one_changes_nothing():
    _ended(SyncJob.Status.PARTIALLY_FAILED)
    assert incidents_evaluate().opened[0].title.startswith("Test counter partially failed")
    _ended(SyncJob.Status.CANCELLED)
    assert not incidents_evaluate().recovered


def test_reconcile_runs_have_their_own_rule_findings():
    _ended(SyncJob.Status.PARTIALLY_FAILED, kind="reconcile")
    assert incidents_evaluate().opened == []

    ReconcileFinding.objects.create(
        kind=ReconcileFinding.Kind.FIELD_DRIFT, record_key="hs:1", email="a@example.com"
    )
    ReconcileFinding.objects.create(
        kind=ReconcileFinding.Kind.DUPLICATE, record_key="email:b@example.com"
    )
    opened = {i.key: i for i in incidents_evaluate().opened}
    assert set(opened) == {"reconcile:field_drift", "reconcile:duplicate"}
    assert "a@example.com" in opened["reconcile:field_drift"].text

    ReconcileFinding.objects.filter(kind=ReconcileFinding.Kind.DUPLICATE).delete()
    assert [i.key for i in incidents_evaluate().recovered] == ["reconcile:duplicate"]


def test_a_new_error_category_opens_once_and_clears_when_its_last_error_is_gone():
    _error("hs:1")
    assert [i.key for i in incidents_evaluate().opened] == ["errors.category:validation"]
    _error("hs:2")
    assert incidents_evaluate().opened == []
    _error("hs:3", RecordError.Category.DUPLICATE)
    assert [i.key for i in incidents_evaluate().opened] == ["errors.category:duplicate"]

    RecordError.objects.filter(category=RecordError.Category.VALIDATION).delete()
    assert [i.key for i in incidents_evaluate().recovered] == ["errors.category:validation"]


def test_open_errors_growing_by_more_than_n_in_an_hour():
    AlertRules.objects.filter(pk=1).update(error_new_category=False, error_growth_threshold=3)
    for n in range(3):
        _error(f"hs:{n}")
    assert incidents_evaluate().opened == []  # 3 is not more than 3
    _error("hs:3")
    assert [i.key for i in incidents_evaluate().opened] == ["errors.growth"]
    # errors first seen over an hour ago do not count
    RecordError.objects.filter(record_key="hs:0").update(
        first_seen_at=timezone.now() - timedelta(hours=2)
    )
    assert [i.key for i in incidents_evaluate().recovered] == ["errors.growth"]


def test_a_connection_whose_authentication_fails():
    connection = SalesforceConnection.load()
    connection.auth_failed_at, connection.auth_error = timezone.now(), "INVALID_LOGIN: Invalid"
    connection.save()
    opened = incidents_evaluate().opened
    assert [i.key for i in opened] == ["auth:salesforce"]
    assert "INVALID_LOGIN" in opened[0].text

    SalesforceConnection.objects.filter(pk=1).update(auth_failed_at=None, auth_error="")
    recovered = incidents_evaluate().recovered
    assert [i.key for i in recovered] == ["auth:salesforce"]


def test_salesforce_api_use_passing_80_and_100_percent_of_the_allocation():
    SalesforceConnection.objects.filter(pk=SalesforceConnection.load().pk).update(daily_budget=100)
    usage = budget.budget_today(side=budget.SALESFORCE)
    usage.calls = 79
    usage.save()
    assert incidents_evaluate().opened == []
    ApiUsageDay.objects.filter(pk=usage.pk).update(calls=80)
    assert [i.key for i in incidents_evaluate().opened] == ["budget:80"]
    ApiUsageDay.objects.filter(pk=usage.pk).update(calls=100)
    opened = incidents_evaluate().opened
    assert [i.key for i in opened] == ["budget:100"] and "100 of 100" in opened[0].text
    ApiUsageDay.objects.filter(pk=usage.pk).update(calls=0)  # a new UTC day
    assert {i.key for i in incidents_evaluate().recovered} == {"budget:80", "budget:100"}


def test_a_paused_inclusion_list():
    ContactSyncSettings.objects.filter(pk=ContactSyncSettings.load().pk).update(
        paused_reason="The inclusion list VIPs was deleted in HubSpot."
    )
    opened = incidents_evaluate().opened
    assert [i.key for i in opened] == ["contacts.paused"] and "VIPs" in opened[0].text
    ContactSyncSettings.objects.update(paused_reason="")
    assert [i.key for i in incidents_evaluate().recovered] == ["contacts.paused"]


def test_a_rule_that_is_off_raises_nothing_and_turning_it_off_closes_without_a_recovery():
    AlertRules.objects.filter(pk=1).update(list_paused=False)
    ContactSyncSettings.objects.filter(pk=ContactSyncSettings.load().pk).update(
        paused_reason="List gone."
    )
    assert incidents_evaluate().opened == []

    _ended(SyncJob.Status.FAILED)
    incidents_evaluate()
    AlertRules.objects.filter(pk=1).update(job_failed=False)
    result = incidents_evaluate()
    assert result.recovered == [] and [i.key for i in result.silenced] == ["job:test.count"]
    assert Incident.objects.get().closed_reason == "Its rule was turned off."
    assert _events() == [("opened", "job:test.count")]


def test_each_notification_has_one_pending_delivery_per_enabled_channel():
    webhook_channel("http://127.0.0.1:9/hook")
    email_channel("ops@example.com")
    off = email_channel("off@example.com", name="Off")
    off.enabled = False
    off.save()
    _ended(SyncJob.Status.FAILED)
    incidents_evaluate()
    deliveries = Delivery.objects.all()
    assert sorted(d.channel_label for d in deliveries) == ["Ops email", "Ops webhook"]
    assert {d.status for d in deliveries} == {Delivery.Status.PENDING}


def test_the_database_refuses_a_second_open_incident_with_the_same_key():
    Incident.objects.create(key="job:x", rule="job_failed", title="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        Incident.objects.create(key="job:x", rule="job_failed", title="x again")
    Incident.objects.update(closed_at=timezone.now())
    Incident.objects.create(key="job:x", rule="job_failed", title="x, later")


@pytest.mark.django_db(transaction=True)
def test_evaluations_at_once_in_several_threads_open_and_announce_an_incident_once():
    webhook_channel("http://127.0.0.1:9/hook")
    _ended(SyncJob.Status.FAILED)
    start, errors = threading.Barrier(6), []

    def evaluate() -> None:
        try:
            start.wait()
            incidents_evaluate()
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=evaluate) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Incident.objects.count() == 1
    assert Notification.objects.count() == 1 and Delivery.objects.count() == 1
