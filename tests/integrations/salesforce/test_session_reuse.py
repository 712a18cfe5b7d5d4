"""The Salesforce session is kept between runs: a run that finds nothing to do spends no
login and no describe, and each way the session can go bad costs one login, no data.

Real HTTP against the sandbox, through the real job path (``run_sync``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from core.models import SyncJob
from integrations.models import SalesforceConnection, SalesforceDescribe, SalesforceSession
from integrations.pages.connections.services import connections_test, salesforce_connection_update
from integrations.secrets import encrypt
from tests.compare import contacts_compare
from tests.integrations.salesforce.conftest import calls, reset_calls, soap_logins
from tests.outcomes import assert_counts_add_up
from tests.sandbox import Sandbox
from tests.sides import HubSpotSide, SalesforceSide, person, run_sync

pytestmark = pytest.mark.django_db


def describes(sandbox: Sandbox) -> int:
    return calls(sandbox, "GET", "/describe")


def all_calls(sandbox: Sandbox) -> int:
    return sandbox.salesforce.calls()["total"] + sandbox.hubspot.calls()["total"]


def reset_all_calls(sandbox: Sandbox) -> None:
    reset_calls(sandbox)
    sandbox.hubspot.control("POST", "calls/reset")


def synced(job: SyncJob) -> SyncJob:
    assert job.status == SyncJob.Status.SUCCEEDED, job.error
    return job


def test_a_second_run_makes_no_login_and_no_describe(
    connected: Sandbox, hubspot: HubSpotSide
) -> None:
    hubspot.create_contacts(person("ann@example.com"))
    reset_all_calls(connected)
    synced(run_sync("all"))
    assert soap_logins(connected) == 1 and describes(connected) == 2
    reset_all_calls(connected)

    synced(run_sync())

    assert soap_logins(connected) == 0
    assert describes(connected) == 0
    # issue #14: a no-change incremental run makes at most 4 calls in all (was 7-8)
    assert all_calls(connected) <= 4


def test_an_expired_session_is_logged_in_again_once_and_the_run_loses_nothing(
    connected: Sandbox, hubspot: HubSpotSide, salesforce: SalesforceSide
) -> None:
    hubspot.create_contacts(person("ann@example.com"))
    synced(run_sync("all"))
    hubspot.create_contacts(*(person(f"new{i}@example.com") for i in range(5)))
    connected.salesforce.control("POST", "sessions/expire")
    salesforce.sf  # noqa: B018  (the test's own client logs in after the expiry)
    reset_calls(connected)

    job = synced(run_sync())

    assert soap_logins(connected) == 1
    assert job.created == 5
    assert all(salesforce.people(f"new{i}@example.com") for i in range(5))
    comparison = contacts_compare(hubspot, salesforce)
    assert (comparison.lost, comparison.duplicated) == (0, 0), comparison
    assert_counts_add_up(job)
    # the new session was kept: the run after it logs in no more
    reset_calls(connected)
    synced(run_sync())
    assert soap_logins(connected) == 0


def test_a_password_changed_in_salesforce_fails_the_run_and_forgets_the_session(
    connected: Sandbox, hubspot: HubSpotSide
) -> None:
    hubspot.create_contacts(person("ann@example.com"))
    synced(run_sync("all"))
    connected.salesforce.control(
        "POST", "integration-user/password", {"password": "N3w-pa55word", "security_token": "tok"}
    )

    failed = run_sync(expect=SyncJob.Status.FAILED)

    assert "INVALID_LOGIN" in failed.error
    assert not SalesforceSession.objects.exists()
    # the admin enters the new password: the next run logs in with it
    salesforce_connection_update(
        actor=None, values={"password": "N3w-pa55word", "security_token": "tok"}
    )
    reset_calls(connected)
    synced(run_sync())
    assert soap_logins(connected) == 1


def test_saving_the_connection_form_forgets_the_session_and_the_describes(
    connected: Sandbox, hubspot: HubSpotSide, admin_web, settings
) -> None:
    info = connected.info["salesforce"]
    settings.DATA_DIR = Path(info["ca_bundle"]).parent  # the form takes CA files from there
    synced(run_sync("all"))
    assert SalesforceSession.objects.exists() and SalesforceDescribe.objects.count() == 2

    answer = admin_web.post(
        reverse("connections_salesforce_save"),
        {
            "auth_mode": "password",
            "login_url": info["login_url"],
            "username": info["username"],
            "password": info["password"],
            "api_version": info["api_version"],
            "ca_bundle": info["ca_bundle"],
            "daily_budget": "5000",
        },
    )

    assert answer.status_code == 302
    assert not SalesforceSession.objects.exists() and not SalesforceDescribe.objects.exists()
    reset_calls(connected)
    synced(run_sync())
    assert soap_logins(connected) == 1 and describes(connected) == 2


def test_test_connection_logs_in_afresh_and_the_next_run_describes_again(
    connected: Sandbox, hubspot: HubSpotSide
) -> None:
    synced(run_sync("all"))
    reset_calls(connected)

    assert connections_test().salesforce.ok

    assert soap_logins(connected) == 1  # proved the credentials, not the stored session
    reset_calls(connected)
    synced(run_sync())
    assert soap_logins(connected) == 0  # the session Test connection obtained is kept
    assert describes(connected) == 2


def test_a_session_of_other_credentials_is_never_reused(
    connected: Sandbox, hubspot: HubSpotSide
) -> None:
    synced(run_sync("all"))
    # the password replaced without the service (so without its hook): a new ciphertext
    password = connected.info["salesforce"]["password"]
    SalesforceConnection.objects.update(password=encrypt(password))
    reset_calls(connected)

    synced(run_sync())

    assert soap_logins(connected) == 1
