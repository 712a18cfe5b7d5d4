"""Through real django-q2 workers: a failing job alerts every channel once, a second
failure while the incident is open says nothing, a success sends the recovery; the
per-minute evaluation raises what no job reports, and a receiver that fails gets the
retry."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from django.test import Client
from django.urls import reverse
from django_q.models import Schedule

from alerts.models import AlertRules, Delivery, DeliveryAttempt, Incident, Notification
from alerts.services.evaluation import EVALUATION_SCHEDULE, evaluation_schedule_ensure
from core.models import SyncJob
from core.services.jobs import job_start
from integrations.models import ContactSyncSettings
from tests.alerts.conftest import (
    WEBHOOK_SECRET,
    Receiver,
    SmtpServer,
    email_channel,
    webhook_channel,
)
from tests.workers import QCluster, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def workers(tmp_path, email_settings, monkeypatch):
    monkeypatch.setenv("ALERT_RETRY_BASE_S", "1")
    cluster = QCluster(tmp_path)
    yield cluster
    cluster.stop()


def _run(**params) -> SyncJob:
    job, _ = job_start(kind="test.count", scope="test:alerts", params={"steps": 2, **params})
    wait_for(lambda: SyncJob.objects.get(pk=job.pk).finished_at is not None, what=f"job #{job.pk}")
    return SyncJob.objects.get(pk=job.pk)


def _all_delivered() -> bool:
    return not Delivery.objects.exclude(status=Delivery.Status.SENT).exists()


def test_one_alert_per_channel_per_incident_then_one_recovery(
    workers: QCluster, receiver: Receiver, email_settings: SmtpServer
):
    webhook_channel(receiver.url)
    email_channel("ops@example.com", "oncall@example.com")
    # only the hook after each job evaluates here, not the minute schedule
    Schedule.objects.filter(name=EVALUATION_SCHEDULE).delete()

    failed = _run(crash="INVALID_LOGIN: Invalid username, password, security token")
    assert failed.status == SyncJob.Status.FAILED
    wait_for(lambda: len(receiver.requests) == 1 and len(email_settings.messages) == 1, 30)
    [alert] = receiver.payloads()
    assert alert["event"] == "incident.opened" and alert["incident"]["key"] == "job:test.count"
    assert f"job #{failed.pk}" in alert["text"] and "INVALID_LOGIN" in alert["text"]
    body = receiver.requests[0].body
    signed = hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert receiver.requests[0].headers["X-Syncadmin-Signature"] == f"sha256={signed}"
    [(recipients, message)] = email_settings.messages
    assert recipients == ["ops@example.com", "oncall@example.com"]
    assert message["Subject"].startswith("[syncadmin] ALERT: Test counter failed")

    again = _run(crash="still broken")
    assert again.status == SyncJob.Status.FAILED
    succeeded = _run()
    assert succeeded.status == SyncJob.Status.SUCCEEDED
    wait_for(lambda: len(receiver.requests) == 2 and len(email_settings.messages) == 2, 30)
    wait_for(_all_delivered, 30, "every delivery sent")

    recovery = receiver.payloads()[1]
    assert recovery["event"] == "incident.recovered"
    assert f"job #{succeeded.pk}, succeeded" in recovery["text"]
    assert email_settings.mailbox.subjects()[1].startswith("[syncadmin] RECOVERED: ")
    # the second failure, while the incident was open, made no notification at all
    assert [n.event for n in Notification.objects.order_by("id")] == ["opened", "recovered"]
    assert Incident.objects.get().closed_at is not None
    assert Delivery.objects.count() == 4


def test_the_minute_evaluation_alerts_without_a_job_and_a_failing_receiver_gets_the_retry(
    workers: QCluster, receiver: Receiver, admin_web: Client
):
    webhook_channel(receiver.url)
    receiver.answers = [500]
    evaluation_schedule_ensure()
    # the product's own contact and activity schedules run in these workers too, and fail
    # without connections: only the paused list is under test here
    AlertRules.objects.filter(pk=AlertRules.load().pk).update(
        job_failed=False,
        error_new_category=False,
        error_growth=False,
        auth_failed=False,
        budget=False,
        reconcile=False,
    )
    ContactSyncSettings.objects.filter(pk=ContactSyncSettings.load().pk).update(
        paused_reason="The inclusion list VIPs was deleted in HubSpot."
    )

    wait_for(lambda: len(receiver.requests) >= 1, 90, "the scheduled evaluation's alert")
    wait_for(_all_delivered, 90, f"the retry; worker log:\n{workers.log()}")

    assert len(receiver.requests) == 2, [p["title"] for p in receiver.payloads()]
    assert [p["event"] for p in receiver.payloads()] == ["incident.opened"] * 2
    assert "VIPs was deleted" in receiver.payloads()[1]["text"]
    attempts = list(DeliveryAttempt.objects.order_by("number").values_list("ok", "detail"))
    assert attempts[0][0] is False and "answered HTTP 500" in attempts[0][1]
    assert attempts[1][0] is True and "answered HTTP 200" in attempts[1][1]
    log = admin_web.get(reverse("alerts")).content.decode()
    sent_at, failed_at = log.index("sent: http://127.0.0.1"), log.index("failed</span>: http")
    assert sent_at < failed_at  # newest first: the retry that worked above the failure
    assert 'data-testid="delivery-status">Sent<' in log
