"""Logging in: username + password + token, an existing token, and refused credentials."""

from __future__ import annotations

import pytest
from simple_salesforce import SalesforceLogin

from integrations.http.errors import AuthenticationFailed
from integrations.salesforce.client import SalesforceClient
from tests.integrations.salesforce.conftest import (
    calls,
    login,
    reset_calls,
    sf_session,
    soap_logins,
)
from tests.sandbox import Sandbox

WRONG_PASSWORD = "not-the-password-4711"


def test_it_logs_in_with_username_password_and_token(sandbox: Sandbox) -> None:
    client = login(sandbox)

    identity = client.identity()

    assert identity["org_id"].startswith("00D")
    assert identity["org_name"]
    assert identity["user_id"].startswith("005")
    assert identity["user_name"]
    assert "@" in identity["user_email"]
    assert soap_logins(sandbox) == 1


def test_identity_after_a_login_costs_no_call(sandbox: Sandbox) -> None:
    client = login(sandbox)
    reset_calls(sandbox)

    assert client.identity()["org_name"]
    assert sandbox.salesforce.calls()["total"] == 0


def token_client(sandbox: Sandbox) -> SalesforceClient:
    """A client on a session id obtained elsewhere (as an OAuth flow would hand one over)."""
    info = sandbox.info["salesforce"]
    session = sf_session(info)
    session_id, _ = SalesforceLogin(
        username=info["username"],
        password=info["password"],
        security_token=info["security_token"],
        sf_version=info["api_version"],
        session=session,
        scratch_url=info["login_url"],
    )
    return SalesforceClient.from_token(
        session=session,
        instance_url=info["instance_url"],
        access_token=session_id,
        api_version=info["api_version"],
    )


def test_it_uses_an_access_token_on_the_instance_url(sandbox: Sandbox) -> None:
    client = token_client(sandbox)

    assert client.limits()["max"] > 0
    assert soap_logins(sandbox) == 1  # the test's own, not the client's


def test_identity_with_a_token_names_the_org_and_the_user(sandbox: Sandbox) -> None:
    expected = login(sandbox).identity()

    assert token_client(sandbox).identity() == expected


def test_a_wrong_password_is_refused_in_salesforces_words_without_the_password(
    sandbox: Sandbox,
) -> None:
    info = sandbox.info["salesforce"]

    with pytest.raises(AuthenticationFailed) as caught:
        login(sandbox, password=WRONG_PASSWORD)

    assert caught.value.category == "INVALID_LOGIN"
    assert "Invalid username, password, security token" in caught.value.message
    for secret in (WRONG_PASSWORD, info["security_token"], WRONG_PASSWORD + info["security_token"]):
        assert secret not in str(caught.value)
        assert secret not in repr(caught.value.args)


def test_a_wrong_password_is_tried_once_so_the_user_is_not_locked_out(sandbox: Sandbox) -> None:
    with pytest.raises(AuthenticationFailed):
        login(sandbox, password=WRONG_PASSWORD)

    assert soap_logins(sandbox) == 1


def test_a_refused_token_fails_at_once(sandbox: Sandbox) -> None:
    info = sandbox.info["salesforce"]
    client = SalesforceClient.from_token(
        session=sf_session(info),
        instance_url=info["instance_url"],
        access_token="00Dxx0000000000!not-a-session",
        api_version=info["api_version"],
    )

    with pytest.raises(AuthenticationFailed) as caught:
        client.limits()

    assert caught.value.status == 401
    assert caught.value.category == "INVALID_SESSION_ID"
    assert "not-a-session" not in str(caught.value)
    assert calls(sandbox, "GET", "/limits") == 1
    assert soap_logins(sandbox) == 0
