"""Salesforce client tests run against the real sandbox emulator, over HTTPS with its CA."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from integrations.http.transport import CallMeter, Hook, api_session
from integrations.salesforce.client import SalesforceClient
from tests.sandbox import Sandbox

#: what the sandbox answers for an expired session (Salesforce's own words)
INVALID_SESSION = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


def sf_session(
    info: dict[str, Any], meter: CallMeter | None = None, before_call: list[Hook] | None = None
) -> requests.Session:
    return api_session(
        meter=meter or CallMeter(), before_call=before_call, ca_bundle=info["ca_bundle"]
    )


def login(sandbox: Sandbox, **options: Any) -> SalesforceClient:
    """A client logged in with the sandbox's username + password + security token."""
    info = sandbox.info["salesforce"]
    session = options.pop("session", None) or sf_session(info)
    return SalesforceClient.login(
        session=session,
        login_url=info["login_url"],
        username=info["username"],
        password=options.pop("password", info["password"]),
        security_token=info["security_token"],
        api_version=info["api_version"],
        **options,
    )


def calls(sandbox: Sandbox, method: str, fragment: str) -> int:
    """API calls the sandbox served whose method matches and whose route contains ``fragment``."""
    counted = sandbox.salesforce.calls()["by_endpoint"]
    return sum(
        n
        for endpoint, n in counted.items()
        if endpoint.split(" ", 1)[0] == method and fragment in endpoint.split(" ", 1)[1]
    )


def soap_logins(sandbox: Sandbox) -> int:
    return calls(sandbox, "POST", "/services/Soap/u/")


def reset_calls(sandbox: Sandbox) -> None:
    sandbox.salesforce.control("POST", "calls/reset")


@pytest.fixture
def sf(sandbox: Sandbox) -> SalesforceClient:
    return login(sandbox)
