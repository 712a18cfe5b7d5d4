"""A HubSpot client on the real sandbox, through the real transport and rate limiter."""

from __future__ import annotations

import pytest

from integrations.http.ratelimit import rate_limit_reset
from integrations.http.transport import CallMeter
from integrations.hubspot.client import HubSpotClient, hubspot_session
from tests.sandbox import Sandbox


@pytest.fixture(autouse=True)
def empty_rate_limit_windows() -> None:
    """Start every test with empty shared windows: in Redis (CI) or the SQLite database's
    bucket files they would carry one test's calls into the next one's timing."""
    rate_limit_reset()


@pytest.fixture
def meter() -> CallMeter:
    return CallMeter()


def make_client(
    sandbox: Sandbox, meter: CallMeter, token: str | None = None, **limits: int
) -> HubSpotClient:
    info = sandbox.info["hubspot"]
    token = token or info["access_token"]
    session = hubspot_session(access_token=token, meter=meter, **limits)
    return HubSpotClient(info["base_url"], token, session)


@pytest.fixture
def hubspot(sandbox: Sandbox, db, meter: CallMeter) -> HubSpotClient:
    """The client as the sync engine builds it (rate-limit buckets in the test DB)."""
    return make_client(sandbox, meter)


def calls_to(sandbox: Sandbox, endpoint: str) -> int:
    """How many requests the sandbox itself saw on ``"METHOD /rule/template"``."""
    return sandbox.hubspot.calls()["by_endpoint"].get(endpoint, 0)
