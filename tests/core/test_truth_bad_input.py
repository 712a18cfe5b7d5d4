"""Bad input to the pages issue #11 added, tried as an attacker would: never a 500, never a
change, and the page says what was wrong."""

import pytest
from django.test import Client
from django.urls import reverse

from alerts.models import AlertChannel
from core.models import AuditEvent, SyncJob
from integrations.models import ReconcileFinding

pytestmark = pytest.mark.django_db

NASTY = [
    "",
    "abc",
    "-1",
    "0",
    "1e3",
    "9" * 40,
    "１２",  # full-width digits
    "²",  # a digit int() refuses
    "1; DROP TABLE x",
    "\x00",
    "nan",
    "inf",
    "<script>alert(1)</script>",
    "ü" * 5000,
]


@pytest.mark.parametrize("value", NASTY)
def test_reconcile_fix_with_nonsense_ids(admin_web: Client, value: str) -> None:
    response = admin_web.post(reverse("reconcile_fix"), {"finding": value}, follow=True)
    assert response.status_code == 200
    assert not SyncJob.objects.exists() and not ReconcileFinding.objects.exists()
    assert "<script>alert(1)</script>" not in response.content.decode()


@pytest.mark.parametrize("value", [v for v in NASTY if v not in ("１２",)])
def test_reconcile_schedule_with_nonsense(admin_web: Client, value: str) -> None:
    before = AuditEvent.objects.count()
    response = admin_web.post(reverse("reconcile_schedule"), {"every_hours": value}, follow=True)
    assert response.status_code == 200
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("value", [v for v in NASTY if v not in ("１２",)])
def test_alert_rules_with_nonsense(admin_web: Client, value: str) -> None:
    before = AuditEvent.objects.count()
    data = {"error_growth": "on", "error_growth_threshold": value}
    response = admin_web.post(reverse("alerts_rules"), data)
    assert response.status_code == 400
    assert "The rules were not saved" in response.content.decode()
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "webhook", "url": "javascript:alert(1)"},
        {"kind": "webhook", "url": "http://[::1"},
        {"kind": "webhook", "url": "http://example.com:99999/x"},
        {"kind": "webhook", "url": "ftp://example.com/x"},
        {"kind": "webhook", "url": "http://" + "a" * 3000 + ".com/"},
        {"kind": "email", "recipients": "not an address"},
        {"kind": "email", "recipients": "a@b.c\r\nBcc: victim@example.com"},
        {"kind": "sms", "recipients": "a@example.com"},
        {"kind": "email", "recipients": "ü" * 5000},
    ],
)
def test_alert_channels_with_nonsense(admin_web: Client, fields: dict) -> None:
    data = {"new-name": "X", "new-enabled": "on", "new-secret": "s" * 40}
    data.update({f"new-{k}": v for k, v in fields.items()})
    response = admin_web.post(reverse("alerts_channel_add"), data)
    assert response.status_code == 400
    assert "The channel was not added" in response.content.decode()
    assert not AlertChannel.objects.exists()


@pytest.mark.parametrize("channel_id", [0, 99999, 2**62])
def test_alert_channel_ids_that_do_not_exist(admin_web: Client, channel_id: int) -> None:
    for name in ("alerts_channel_change", "alerts_channel_delete", "alerts_channel_test"):
        response = admin_web.post(reverse(name, args=[channel_id]), {})
        assert response.status_code in (302, 404), (name, response.status_code)


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer ", "Basic YWRtaW46YWRtaW4=", "Bearer " + "x" * 10000, "Bearer \u00fc"],
)
def test_metrics_with_odd_authorization(settings, client: Client, header: str) -> None:
    settings.METRICS_TOKEN = "right-token"
    response = client.get(reverse("metrics"), HTTP_AUTHORIZATION=header)
    assert response.status_code == 401


@pytest.mark.parametrize("query", ["outcome=%00", "reason=" + "a" * 500, "outcome=failed&reason=Ü"])
def test_audit_outcome_filters_with_nonsense(admin_web: Client, query: str) -> None:
    response = admin_web.get(f"{reverse('audit_log')}?{query}")
    assert response.status_code == 200
    assert "This filter was ignored" in response.content.decode()
