"""The sandbox breaks credentials the way the vendors do, through our real clients."""

from __future__ import annotations

import pytest

from integrations.http import errors
from integrations.http.transport import CallMeter
from integrations.salesforce.client import SalesforceClient
from tests.integrations.connection_state.conftest import (  # noqa: F401  (autouse)
    fresh_connection_state,
)
from tests.integrations.hubspot.conftest import make_client
from tests.integrations.salesforce.conftest import login, sf_session
from tests.sandbox import Sandbox


def test_a_changed_salesforce_password_refuses_the_login_with_invalid_login(
    sandbox: Sandbox,
) -> None:
    client = login(sandbox)
    sandbox.salesforce_password_change("an-admin-reset-it-7")

    with pytest.raises(errors.AuthenticationFailed) as refused:
        login(sandbox)
    assert refused.value.category == "INVALID_LOGIN"
    assert "Invalid username, password, security token" in refused.value.message
    # the old session ended with the reset, and logging in again is refused too
    with pytest.raises(errors.AuthenticationFailed):
        client.limits()

    sandbox.salesforce_password_restore()
    assert login(sandbox).limits()["max"] > 0


def test_the_new_salesforce_password_logs_in(sandbox: Sandbox) -> None:
    info = sandbox.info["salesforce"]
    sandbox.salesforce.control(
        "POST",
        "integration-user/password",
        {"password": "brand-new-1", "security_token": "NEWTOKEN"},
    )
    client = SalesforceClient.login(
        session=sf_session(info),
        login_url=info["login_url"],
        username=info["username"],
        password="brand-new-1",
        security_token="NEWTOKEN",
        api_version=info["api_version"],
    )
    assert client.limits()["max"] > 0


def test_a_salesforce_user_without_api_access_gets_api_disabled(sandbox: Sandbox) -> None:
    sandbox.salesforce_api_enabled(False)
    client = login(sandbox)
    with pytest.raises(errors.ApiError) as refused:
        client.limits()
    assert refused.value.status == 403 and refused.value.category == "API_DISABLED_FOR_ORG"
    sandbox.salesforce_api_enabled(True)
    assert client.limits()["max"] > 0


@pytest.mark.django_db
def test_a_revoked_hubspot_token_answers_401(sandbox: Sandbox) -> None:
    hubspot = make_client(sandbox, CallMeter())
    assert hubspot.account_details()["portalId"]
    sandbox.hubspot_token_revoke()
    with pytest.raises(errors.AuthenticationFailed) as refused:
        hubspot.account_details()
    assert refused.value.status == 401 and refused.value.category == "INVALID_AUTHENTICATION"
    sandbox.hubspot_token_revoke(False)
    assert hubspot.account_details()["portalId"]


@pytest.mark.django_db
def test_a_missing_hubspot_scope_answers_403_naming_it(sandbox: Sandbox) -> None:
    hubspot = make_client(sandbox, CallMeter())
    sandbox.hubspot_scopes_remove("crm.lists.read")
    with pytest.raises(errors.ApiError) as refused:
        list(hubspot.lists_search(query=""))
    assert refused.value.status == 403 and refused.value.category == "MISSING_SCOPES"
    assert "crm.lists.read" in refused.value.message
    assert hubspot.account_details()["portalId"]  # needs no scope
    sandbox.hubspot_scopes_remove()
    list(hubspot.lists_search(query=""))
