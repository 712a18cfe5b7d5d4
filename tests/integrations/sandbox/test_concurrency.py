"""Both emulators serve requests at the same time, as the vendors do. Concurrency is read
from what the emulator recorded (the most requests it was serving at one moment), not
from wall-clock time."""

from __future__ import annotations

import socket
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
import requests

from tests.integrations.sandbox.test_hubspot_http import Api as HubSpotApi
from tests.integrations.sandbox.test_salesforce_http import Api as SalesforceApi
from tests.integrations.sandbox.test_salesforce_http import V
from tests.sandbox import Sandbox

PARALLEL = 8


def _in_parallel(calls: list) -> list:
    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(lambda call: call(), calls))


def test_salesforce_serves_slow_requests_at_once(sandbox: Sandbox):
    api = SalesforceApi(sandbox)
    sandbox.salesforce.settings(latency_ms=400)
    sandbox.salesforce.control("POST", "calls/reset")
    answers = _in_parallel(
        [lambda: api.query("SELECT Id FROM Contact LIMIT 1") for _ in range(PARALLEL)]
    )
    assert [a.status_code for a in answers] == [200] * PARALLEL
    limits = sandbox.salesforce.calls()["limits"]
    assert limits["max_concurrent"] == PARALLEL
    assert limits["latency_by_endpoint"]["GET /services/data/<ver>/query/"]["count"] == PARALLEL


def test_hubspot_serves_slow_requests_at_once(sandbox: Sandbox):
    api = HubSpotApi(sandbox.info["hubspot"])
    sandbox.hubspot.settings(latency_ms=400)
    answers = _in_parallel(
        [
            lambda: requests.get(
                f"{api.base_url}/crm/v3/owners",
                headers=dict(api.session.headers),
                timeout=30,
            )
            for _ in range(PARALLEL)
        ]
    )
    assert [a.status_code for a in answers] == [200] * PARALLEL
    assert sandbox.hubspot.calls()["limits"]["max_concurrent"] == PARALLEL


def test_a_client_stuck_in_its_tls_handshake_holds_up_no_one(sandbox: Sandbox):
    """A connection that never sends its TLS hello (a stalled client, a port scanner)
    must not stop the Salesforce emulator from answering everyone else."""
    api = SalesforceApi(sandbox)
    parts = urlsplit(api.base)
    stuck = socket.create_connection((parts.hostname, parts.port), timeout=10)
    try:
        try:
            answer = api("GET", f"{V}/limits/")
        except requests.Timeout:
            pytest.fail("a stalled TLS handshake blocked the Salesforce emulator")
        assert answer.status_code == 200
    finally:
        stuck.close()
