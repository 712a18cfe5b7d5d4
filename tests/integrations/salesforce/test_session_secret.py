"""The stored Salesforce session is a secret: encrypted at rest, and never shown on a
page, in a log line, in the audit trail or on a job row (canary: the session ids the
sandbox issued, before and after a re-login)."""

from __future__ import annotations

import logging

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent, SyncJob
from integrations.models import SalesforceConnection, SalesforceSession
from integrations.salesforce.session_cache import DbSessionStore, credentials_fingerprint
from tests.sandbox import Sandbox
from tests.sides import HubSpotSide, person, run_sync

pytestmark = pytest.mark.django_db


def stored_session_id() -> str:
    store = DbSessionStore(credentials_fingerprint(SalesforceConnection.load()))
    stored = store.load()
    assert stored is not None
    return stored.session_id


def body(response) -> str:
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode()


def everything_in_the_database() -> str:
    return "\n".join(str(list(model.objects.values())) for model in apps.get_models())


def test_the_stored_session_never_shows_anywhere(
    connected: Sandbox, hubspot: HubSpotSide, admin_web: Client, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    hubspot.create_contacts(person("ann@example.com"))
    job = run_sync("all")
    first = stored_session_id()
    connected.salesforce.control("POST", "sessions/expire")
    hubspot.create_contacts(person("bob@example.com"))
    rerun = run_sync()
    second = stored_session_id()
    assert rerun.status == SyncJob.Status.SUCCEEDED and first != second
    assert len(first) > 20 and len(second) > 20

    pages = "".join(
        body(admin_web.get(url))
        for url in (
            reverse("connections"),
            reverse("jobs"),
            reverse("job_detail", args=[job.pk]),
            reverse("job_detail", args=[rerun.pk]),
            reverse("audit_log"),
            reverse("audit_export"),
            reverse("health"),
            reverse("contacts"),
        )
    )
    shown = pages + caplog.text + str(list(AuditEvent.objects.values()))
    shown += str(list(SyncJob.objects.values()))
    stored = everything_in_the_database()
    for canary in (first, second):
        assert canary not in shown
        assert canary not in stored  # encrypted at rest, like every other secret
    assert SalesforceSession.objects.get().session_id.startswith("gAAAA")  # Fernet
