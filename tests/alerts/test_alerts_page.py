"""The Alerts page: admins add, change and delete channels and rules (audited), viewers
read; bad input is refused with a message and changes nothing; the signing secret is
never shown again."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from alerts.models import AlertChannel, AlertRules, Delivery, Notification
from core.models import AuditEvent
from integrations.secrets import decrypt
from tests.alerts.conftest import WEBHOOK_SECRET, email_channel, webhook_channel

pytestmark = pytest.mark.django_db
PAGE = reverse("alerts")
ADD = reverse("alerts_channel_add")
RULES = reverse("alerts_rules")


def _webhook_form(**values: str) -> dict[str, str]:
    form = {
        "name": "Slack #ops",
        "kind": "webhook",
        "enabled": "on",
        "url": "https://hooks.example.com/services/T000/B000/abc",
        "secret": WEBHOOK_SECRET,
    }
    form.update(values)
    return {f"new-{k}": v for k, v in form.items()}


def _email_form(recipients: str, **values: str) -> dict[str, str]:
    form = {"name": "Ops email", "kind": "email", "enabled": "on", "recipients": recipients}
    form.update(values)
    return {f"new-{k}": v for k, v in form.items()}


def _rules(**values: str) -> dict[str, str]:
    form = {
        "job_failed": "on",
        "error_new_category": "on",
        "error_growth": "on",
        "error_growth_threshold": "50",
        "auth_failed": "on",
        "budget": "on",
        "list_paused": "on",
        "reconcile": "on",
    }
    form.update(values)
    return {k: v for k, v in form.items() if v is not None}


def _text(response) -> str:
    return response.content.decode()


def test_the_page_is_in_the_navigation(admin_web: Client):
    page = _text(admin_web.get(reverse("overview")))
    assert f'href="{PAGE}"' in page and ">Alerts</a>" in page


def test_every_rule_starts_on(admin_web: Client):
    page = _text(admin_web.get(PAGE))
    assert page.count('type="checkbox" name="job_failed" id="id_job_failed" checked') == 1
    rules = AlertRules.load()
    assert all(
        getattr(rules, name)
        for name in ("job_failed", "error_new_category", "error_growth", "auth_failed")
        + ("budget", "list_paused", "reconcile")
    )


def test_an_admin_adds_a_webhook_channel_the_secret_is_encrypted_audited_masked_and_never_shown(
    admin_web: Client,
):
    response = admin_web.post(ADD, _webhook_form(), follow=True)
    assert "Channel “Slack #ops” added" in _text(response)
    channel = AlertChannel.objects.get()
    assert channel.kind == "webhook" and channel.secret != WEBHOOK_SECRET
    assert decrypt(channel.secret) == WEBHOOK_SECRET
    assert channel.secret_set_by == "alice"

    page = _text(admin_web.get(PAGE))
    assert WEBHOOK_SECRET not in page and channel.secret not in page
    # Slack-style URLs carry their credential in the path: the listing shows the host
    assert "https://hooks.example.com/…" in page

    event = AuditEvent.objects.get(object_type="alert_channel")
    assert event.actor_username == "alice" and event.action == "settings.changed"
    recorded = str(event.changes) + event.message
    assert WEBHOOK_SECRET not in recorded and channel.secret not in recorded
    assert "•••••• (secret) replaced" in recorded
    assert "/services/T000/B000/abc" not in recorded


def test_a_blank_secret_keeps_the_stored_one_and_a_new_one_is_audited_masked(admin_web: Client):
    channel = webhook_channel("https://hooks.example.com/a")
    stored = channel.secret
    prefix = f"ch{channel.pk}"
    admin_web.post(
        reverse("alerts_channel_change", args=[channel.pk]),
        {f"{prefix}-name": "Renamed", f"{prefix}-url": channel.url, f"{prefix}-secret": ""},
    )
    channel.refresh_from_db()
    assert channel.name == "Renamed" and channel.secret == stored and not channel.enabled

    admin_web.post(
        reverse("alerts_channel_change", args=[channel.pk]),
        {
            f"{prefix}-name": "Renamed",
            f"{prefix}-url": channel.url,
            f"{prefix}-secret": "a-brand-new-secret-value",
            f"{prefix}-enabled": "on",
        },
    )
    channel.refresh_from_db()
    assert decrypt(channel.secret) == "a-brand-new-secret-value"
    trail = " ".join(str(e.changes) for e in AuditEvent.objects.filter(object_type="alert_channel"))
    assert "a-brand-new-secret-value" not in trail and WEBHOOK_SECRET not in trail


def test_an_admin_adds_an_email_channel_and_deletes_it_the_log_keeps_its_deliveries(
    admin_web: Client,
):
    admin_web.post(ADD, _email_form("Ops@Example.com, oncall@example.com;\nboss@example.com"))
    channel = AlertChannel.objects.get()
    assert channel.recipient_list == ["ops@example.com", "oncall@example.com", "boss@example.com"]
    notification = Notification.objects.create(event="test", title="Old test")
    Delivery.objects.create(notification=notification, channel=channel, channel_label="Ops email")

    admin_web.post(reverse("alerts_channel_delete", args=[channel.pk]))
    assert not AlertChannel.objects.exists()
    page = _text(admin_web.get(PAGE))
    assert "Old test" in page and "Ops email" in page
    assert AuditEvent.objects.filter(object_label="Alert channel Ops email (deleted)").exists()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "Enter a full http:// or https:// address"),
        ("ftp://hooks.example.com/x", "Enter a full http:// or https:// address"),
        ("javascript:alert(1)", "Enter a full http:// or https:// address"),
        ("", "Enter a full http:// or https:// address"),
        ("https://hooks.example.com:99999/x", "Enter a full http:// or https:// address"),
        ("https://user:pw@", "Enter a full http:// or https:// address"),
        ("https://" + "a" * 600 + ".com/", "at most 500 characters"),
    ],
)
def test_a_bad_webhook_url_is_refused_with_a_message_and_nothing_is_saved(
    admin_web: Client, url: str, message: str
):
    response = admin_web.post(ADD, _webhook_form(url=url))
    assert response.status_code == 400
    assert message in _text(response) and "The channel was not added" in _text(response)
    assert not AlertChannel.objects.exists()
    assert not AuditEvent.objects.filter(object_type="alert_channel").exists()


def test_a_short_or_missing_secret_is_refused(admin_web: Client):
    assert "at least 16 characters" in _text(admin_web.post(ADD, _webhook_form(secret="short")))
    assert "Enter a signing secret" in _text(admin_web.post(ADD, _webhook_form(secret="")))
    assert not AlertChannel.objects.exists()


@pytest.mark.parametrize(
    ("recipients", "message"),
    [
        (
            "ops@example.com, not-an-address, also@bad",
            "Not valid email addresses: “not-an-address”, “also@bad”",
        ),
        ("", "Enter at least one email address."),
        ("ops@@example.com", "Not valid email address: “ops@@example.com”"),
        (", ".join(f"u{n}@example.com" for n in range(51)), "At most 50 addresses"),
    ],
)
def test_bad_email_addresses_are_refused_with_a_message_and_nothing_is_saved(
    admin_web: Client, recipients: str, message: str
):
    response = admin_web.post(ADD, _email_form(recipients))
    assert response.status_code == 400 and message in _text(response)
    assert not AlertChannel.objects.exists()


def test_a_bad_edit_changes_nothing(admin_web: Client):
    channel = email_channel("ops@example.com")
    prefix = f"ch{channel.pk}"
    response = admin_web.post(
        reverse("alerts_channel_change", args=[channel.pk]),
        {f"{prefix}-name": "Ops email", f"{prefix}-recipients": "nope", f"{prefix}-enabled": "on"},
    )
    assert response.status_code == 400 and "Not valid email address: “nope”" in _text(response)
    channel.refresh_from_db()
    assert channel.recipient_list == ["ops@example.com"]


def test_two_channels_cannot_share_a_name(admin_web: Client):
    email_channel("ops@example.com", name="Ops")
    response = admin_web.post(ADD, _webhook_form(name="ops"))
    assert response.status_code == 400 and "A channel named “ops” exists already" in _text(response)
    assert AlertChannel.objects.count() == 1


def test_an_admin_changes_the_rules_audited(admin_web: Client):
    admin_web.post(RULES, _rules(budget=None, error_growth_threshold="7"))
    rules = AlertRules.load()
    assert rules.budget is False and rules.error_growth_threshold == 7 and rules.job_failed
    event = AuditEvent.objects.get(object_type="alert_rules")
    assert {c["field"] for c in event.changes} == {"budget", "error_growth_threshold"}
    assert event.actor_username == "alice"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("lots", "N must be a whole number, like 50."),
        ("2.5", "N must be a whole number, like 50."),
        ("-3", "N must be at least 1."),
        ("0", "N must be at least 1."),
        ("99999999999999999999", "N must be at most 100,000."),
        ("", "Enter N, a whole number."),
    ],
)
def test_a_bad_n_is_refused_with_a_message_and_nothing_changes(
    admin_web: Client, value: str, message: str
):
    response = admin_web.post(RULES, _rules(error_growth_threshold=value, budget=None))
    assert response.status_code == 400 and message in _text(response)
    rules = AlertRules.load()
    assert rules.error_growth_threshold == 50 and rules.budget is True
    assert not AuditEvent.objects.filter(object_type="alert_rules").exists()


def test_a_viewer_reads_the_page_without_any_control(viewer_web: Client):
    channel = webhook_channel("https://hooks.example.com/a")
    page = _text(viewer_web.get(PAGE))
    assert "Ops webhook" in page and "Rules" in page
    assert "Send test" not in page and "Add a channel" not in page and "Save rules" not in page
    assert WEBHOOK_SECRET not in page and channel.secret not in page


def test_a_viewer_cannot_add_change_delete_test_or_change_rules(viewer_web: Client):
    channel = webhook_channel("https://hooks.example.com/a")
    prefix = f"ch{channel.pk}"
    for url, data in (
        (ADD, _email_form("v@example.com")),
        (reverse("alerts_channel_change", args=[channel.pk]), {f"{prefix}-name": "Mine"}),
        (reverse("alerts_channel_delete", args=[channel.pk]), {}),
        (reverse("alerts_channel_test", args=[channel.pk]), {}),
        (RULES, _rules(job_failed=None)),
    ):
        assert viewer_web.post(url, data).status_code == 403
    channel.refresh_from_db()
    assert AlertChannel.objects.count() == 1 and channel.name == "Ops webhook"
    assert AlertRules.load().job_failed
    assert not Notification.objects.exists() and not Delivery.objects.exists()


def test_the_delivery_log_is_newest_first_and_paginated(admin_web: Client):
    channel = email_channel("ops@example.com")
    for n in range(30):
        notification = Notification.objects.create(event="test", title=f"Notice {n:02d}")
        Delivery.objects.create(notification=notification, channel=channel, channel_label="Ops")
    first = _text(admin_web.get(PAGE))
    assert first.index("Notice 29") < first.index("Notice 05")
    assert "Notice 04" not in first and "Page 1 of 2" in first
    second = _text(admin_web.get(PAGE, {"page": "2"}))
    assert "Notice 04" in second and "Notice 00" in second and "Notice 29" not in second
    assert admin_web.get(PAGE, {"page": "nonsense"}).status_code == 200
