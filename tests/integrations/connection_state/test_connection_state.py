"""A connection's state follows what the vendor answers: a refused login or token shows on
Overview, Connections and Sync health with what to do, and the next accepted call clears
it. End to end through a real qcluster worker and the sandbox breaking credentials."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent, SyncJob
from integrations.engine.contacts.jobs import contacts_sync_start
from integrations.models import HubSpotConnection, SalesforceConnection
from integrations.pages.connections.services import connections_test, connections_use_sandbox
from integrations.sandbox.salesforce.app import PASSWORD, SECURITY_TOKEN
from tests.sandbox import Sandbox
from tests.sides import HubSpotSide, person
from tests.workers import QCluster, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

NEW_SALESFORCE_PASSWORD = "reset-by-the-salesforce-admin-9"
PAGES = ("overview", "connections", "health")


@pytest.fixture
def connected(sandbox: Sandbox) -> Sandbox:
    connections_use_sandbox(info=sandbox.info)
    assert connections_test().ok  # both badges say Working before anything breaks
    HubSpotSide(sandbox).create_contacts(person("ada@example.com"), person("bob@example.com"))
    return sandbox


@pytest.fixture
def worker(connected: Sandbox, tmp_path):
    cluster = QCluster(tmp_path)
    yield cluster
    cluster.stop()


def _sync(cluster: QCluster) -> SyncJob:
    job, _ = contacts_sync_start(mode="all")
    wait_for(
        lambda: SyncJob.objects.get(pk=job.pk).status not in SyncJob.ACTIVE_STATUSES,
        timeout=90,
        what=f"job #{job.pk} to end\n{cluster.log()}",
    )
    job.refresh_from_db()
    return job


def badge(page: str, side: str) -> str:
    """The status badge next to ``side``'s name (Overview and Connections)."""
    found = re.search(rf">{side}</(?:strong|h2)>\s*<span class=\"status[^>]*>([^<]+)</span>", page)
    assert found, f"no {side} badge"
    return found.group(1)


def pages(web: Client) -> dict[str, str]:
    return {name: web.get(reverse(name)).content.decode() for name in PAGES}


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


def test_a_changed_salesforce_password_shows_everywhere_until_a_login_works(
    connected: Sandbox, worker: QCluster, admin_web: Client
) -> None:
    connected.salesforce_password_change(NEW_SALESFORCE_PASSWORD)

    failed = _sync(worker)

    assert failed.status == SyncJob.Status.FAILED and "INVALID_LOGIN" in failed.error
    row = SalesforceConnection.load()
    assert row.auth_failed_at is not None and "INVALID_LOGIN" in row.auth_error
    assert HubSpotConnection.load().auth_failed_at is None
    shown = pages(admin_web)
    for name, page in shown.items():
        alert = re.search(r'data-testid="connection-alert-salesforce">(.*?)</article>', page, re.S)
        assert alert, name
        assert "Salesforce refused the login" in alert.group(1) and "INVALID_LOGIN" in alert.group(
            1
        )
        assert "update the integration user&#x27;s password and security token" in (
            alert.group(1).lower()
        )
    for name in ("overview", "connections"):
        assert badge(shown[name], "Salesforce") == "Login refused"
        assert badge(shown[name], "HubSpot") == "Working"
    [refused] = events("connection.auth_failed")
    assert refused.object_label == "Salesforce connection"
    assert refused.error_category == "INVALID_LOGIN" and refused.status == "failed"

    connected.salesforce_password_restore()
    again = _sync(worker)

    assert again.status == SyncJob.Status.SUCCEEDED, again.error
    row.refresh_from_db()
    assert row.auth_failed_at is None and row.auth_error == ""
    shown = pages(admin_web)
    for name, page in shown.items():
        assert "connection-alert" not in page, name
    assert badge(shown["overview"], "Salesforce") == "Working"
    assert len(events("connection.auth_restored")) == 1
    assert len(events("connection.auth_failed")) == 1
    trail = str(list(AuditEvent.objects.values())) + "".join(shown.values()) + worker.log()
    for secret in (PASSWORD, SECURITY_TOKEN, NEW_SALESFORCE_PASSWORD):
        assert secret not in trail


def test_a_revoked_hubspot_token_shows_everywhere_until_hubspot_accepts_it(
    connected: Sandbox, worker: QCluster, admin_web: Client
) -> None:
    connected.hubspot_token_revoke()

    failed = _sync(worker)

    assert failed.status == SyncJob.Status.FAILED and "INVALID_AUTHENTICATION" in failed.error
    row = HubSpotConnection.load()
    assert row.auth_failed_at is not None and "HTTP 401" in row.auth_error
    shown = pages(admin_web)
    for name, page in shown.items():
        alert = re.search(r'data-testid="connection-alert-hubspot">(.*?)</article>', page, re.S)
        assert alert and "HubSpot refused the access token" in alert.group(1), name
        assert "private app" in alert.group(1).lower()
    for name in ("overview", "connections"):
        assert badge(shown[name], "HubSpot") == "Token refused"
    assert [e.object_label for e in events("connection.auth_failed")] == ["HubSpot connection"]

    connected.hubspot_token_revoke(False)
    again = _sync(worker)

    assert again.status == SyncJob.Status.SUCCEEDED, again.error
    row.refresh_from_db()
    assert row.auth_failed_at is None
    assert badge(pages(admin_web)["connections"], "HubSpot") == "Working"
    assert len(events("connection.auth_restored")) == 1
    token = connected.info["hubspot"]["access_token"]
    assert token not in str(list(AuditEvent.objects.values())) + worker.log()


def test_a_salesforce_user_without_api_access_is_a_permission_refusal(
    connected: Sandbox, worker: QCluster, admin_web: Client
) -> None:
    connected.salesforce_api_enabled(False)

    failed = _sync(worker)

    assert failed.status == SyncJob.Status.FAILED and "API_DISABLED_FOR_ORG" in failed.error
    row = SalesforceConnection.load()
    assert "API_DISABLED_FOR_ORG" in row.auth_error and row.auth_failed_at is not None
    page = admin_web.get(reverse("health")).content.decode()
    assert "Salesforce refused a call for lack of permission" in page
    assert "API Enabled" in page  # what to do
    assert badge(admin_web.get(reverse("overview")).content.decode(), "Salesforce") == (
        "Permission refused"
    )

    connected.salesforce_api_enabled(True)
    assert _sync(worker).status == SyncJob.Status.SUCCEEDED
    row.refresh_from_db()
    assert row.auth_failed_at is None
