"""Send test: a real POST to a loopback receiver (signed), a real email through a loopback
SMTP server; the result is shown, listed in the delivery log and audited, secret-free."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from django.test import Client
from django.urls import reverse

from alerts.models import Delivery
from core.models import AuditEvent
from tests.alerts.conftest import (
    WEBHOOK_SECRET,
    Receiver,
    SmtpServer,
    email_channel,
    free_port,
    webhook_channel,
)

pytestmark = pytest.mark.django_db


def _send_test(web: Client, channel) -> str:
    return web.post(reverse("alerts_channel_test", args=[channel.pk]), follow=True).content.decode()


def test_a_webhook_test_arrives_signed_with_a_slack_text_and_the_log_says_sent(
    admin_web: Client, receiver: Receiver, caplog
):
    channel = webhook_channel(receiver.url)
    page = _send_test(admin_web, channel)

    assert "Test sent to “Ops webhook”: http://127.0.0.1:" in page and "answered HTTP 200" in page
    [request] = receiver.requests
    assert request.path == "/hooks/syncadmin"
    assert request.headers["Content-Type"] == "application/json"
    expected = hmac.new(WEBHOOK_SECRET.encode(), request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-Syncadmin-Signature"] == f"sha256={expected}"
    payload = request.json()
    assert payload["text"].startswith("[syncadmin] TEST: Test from syncadmin to Ops webhook")
    assert payload["event"] == "test" and payload["incident"] is None

    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.SENT and delivery.attempts == 1
    log = admin_web.get(reverse("alerts")).content.decode()
    assert 'data-testid="delivery-status">Sent<' in log
    event = AuditEvent.objects.get(action="alerts.test_sent")
    assert event.status == "ok" and event.actor_username == "alice"
    assert WEBHOOK_SECRET not in page + log + event.message + caplog.text
    assert "Alert delivery" in caplog.text  # the send was logged, without the secret


def test_a_signature_made_with_another_secret_does_not_verify(receiver: Receiver, admin_web):
    _send_test(admin_web, webhook_channel(receiver.url))
    [request] = receiver.requests
    forged = hmac.new(b"some-other-secret-entirely", request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-Syncadmin-Signature"] != f"sha256={forged}"


def test_a_webhook_test_the_receiver_refuses_shows_its_answer_and_is_not_retried(
    admin_web: Client, receiver: Receiver
):
    receiver.answers = [500]
    page = _send_test(admin_web, webhook_channel(receiver.url))
    assert (
        "The test to “Ops webhook” failed:" in page
        and "answered HTTP 500: receiver is down" in page
    )
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.FAILED and delivery.next_attempt_at is None
    assert AuditEvent.objects.get(action="alerts.test_sent").status == "failed"


def test_an_unreachable_webhook_says_it_could_not_reach_it_without_the_path(admin_web: Client):
    url = f"http://127.0.0.1:{free_port()}/services/T0/B0/credential-in-path"
    page = _send_test(admin_web, webhook_channel(url))
    flash = page.split('aria-label="Messages"')[1].split("</section>")[0]
    assert "Could not reach http://127.0.0.1:" in flash and "Connection refused" in flash
    assert "credential-in-path" not in flash
    assert "credential-in-path" not in Delivery.objects.get().error


def test_a_url_with_a_password_in_it_never_shows_the_password(
    admin_web: Client, viewer_web: Client, caplog
):
    url = f"http://hookuser:hunter2-password@127.0.0.1:{free_port()}/x"
    page = _send_test(admin_web, webhook_channel(url))
    flash = page.split('aria-label="Messages"')[1].split("</section>")[0]
    assert "Could not reach http://127.0.0.1:" in flash
    assert "hunter2" not in flash + caplog.text + Delivery.objects.get().error
    viewer_page = viewer_web.get(reverse("alerts")).content.decode()
    assert "http://127.0.0.1:" in viewer_page and "hunter2" not in viewer_page


def test_an_email_test_reaches_every_recipient_through_smtp(
    admin_web: Client, email_settings: SmtpServer
):
    channel = email_channel("ops@example.com", "oncall@example.com")
    page = _send_test(admin_web, channel)
    assert "Test sent to “Ops email”: Accepted by 127.0.0.1:" in page and "2 recipients" in page
    [(recipients, message)] = email_settings.messages
    assert recipients == ["ops@example.com", "oncall@example.com"]
    assert message["Subject"] == "[syncadmin] TEST: Test from syncadmin to Ops email"
    assert message["From"] == "syncadmin@localhost"


def test_an_email_test_without_an_smtp_server_says_what_is_missing(admin_web: Client, settings):
    settings.EMAIL_HOST = ""
    page = _send_test(admin_web, email_channel("ops@example.com"))
    assert "EMAIL_HOST is not set" in page
    assert "Email channels can't send" in admin_web.get(reverse("alerts")).content.decode()
    assert Delivery.objects.get().status == Delivery.Status.FAILED


def test_an_email_test_to_a_server_that_is_down_says_so(admin_web: Client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = (
        "127.0.0.1",
        free_port(),
        False,
    )
    page = _send_test(admin_web, email_channel("ops@example.com"))
    assert "Could not connect to the SMTP server 127.0.0.1:" in page and "refused" in page
