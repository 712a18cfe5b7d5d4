"""The realistic latency model: per-endpoint vendor latencies with seeded jitter, Bulk 2.0
jobs that take time to process. Checked through the latency each emulator recorded for
each endpoint (never through wall-clock time)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests

from integrations.sandbox.latency import Call, LatencyModel, Profile
from integrations.sandbox.salesforce.latency_profile import PROFILES as SALESFORCE
from tests.integrations.sandbox.test_hubspot_http import Api as HubSpotApi
from tests.integrations.sandbox.test_salesforce_http import Api as SalesforceApi
from tests.integrations.sandbox.test_salesforce_http import V
from tests.sandbox import Sandbox

HS_CONTACT = "/crm/v3/objects/contacts"


def _declared(side, key: str) -> dict:
    return side.calls()["limits"]["latency_by_endpoint"][key]


def _within(stats: dict, nominal_ms: float, jitter: float = 0.2) -> bool:
    low, high = nominal_ms * (1 - jitter) - 0.1, nominal_ms * (1 + jitter) + 0.1
    return low <= stats["min_ms"] <= stats["max_ms"] <= high


# --- the model itself ----------------------------------------------------------------------
def test_the_same_seed_gives_the_same_latencies():
    profiles = {"read": Profile(120), "batch": Profile(100, per_unit_ms=5)}

    def run(seed: int) -> list[float]:
        model = LatencyModel("realistic", seed=seed, profiles=profiles)
        return [model.delay_ms(Call("read")) for _ in range(5)] + [
            model.delay_ms(Call("batch", 200))
        ]

    assert run(3) == run(3)
    assert run(3) != run(4)
    assert all(96 <= ms <= 144 for ms in run(3)[:5])
    assert 880 <= run(3)[5] <= 1320


def test_the_fast_model_adds_only_the_fixed_latency():
    model = LatencyModel("fast", fixed_ms=150, profiles={"read": Profile(120)})
    assert model.delay_ms(Call("read")) == 150
    assert model.processing_s("bulk_ingest_processing", 10_000) == 0


def test_an_unknown_model_is_refused(sandbox: Sandbox):
    with pytest.raises(ValueError):
        LatencyModel("slow")
    for bad in ({"latency_model": "slow"}, {"latency_ms": -1}, {"latency_seed": "x"}):
        with pytest.raises(requests.HTTPError) as refused:
            sandbox.hubspot.settings(**bad)
        assert refused.value.response.status_code == 400
    assert sandbox.hubspot.settings()["latency_model"] == "fast"


# --- applied per endpoint ------------------------------------------------------------------
def test_hubspot_latencies_per_endpoint(sandbox: Sandbox):
    api = HubSpotApi(sandbox.info["hubspot"])
    assert sandbox.hubspot.settings(latency_model="realistic")["latency_model"] == "realistic"
    contact = api.create(email="slow@example.com")["id"]
    api("GET", f"{HS_CONTACT}/{contact}")
    api("POST", f"{HS_CONTACT}/search", json={"filterGroups": [], "limit": 1})
    inputs = [{"properties": {"email": f"b{i}@example.com"}} for i in range(100)]
    assert api("POST", f"{HS_CONTACT}/batch/create", json={"inputs": inputs}).status_code == 201

    assert _within(_declared(sandbox.hubspot, f"GET {HS_CONTACT}/<contact_id>"), 120)
    assert _within(_declared(sandbox.hubspot, f"POST {HS_CONTACT}/search"), 250)
    assert _within(_declared(sandbox.hubspot, f"POST {HS_CONTACT}/batch/create"), 300)
    assert _within(_declared(sandbox.hubspot, f"POST {HS_CONTACT}"), 200)


def test_salesforce_latencies_scale_with_the_records(sandbox: Sandbox):
    api = SalesforceApi(sandbox)
    sandbox.salesforce.settings(latency_model="realistic", latency_seed=11)
    api.query("SELECT Id FROM Contact LIMIT 1")
    records = [
        {"attributes": {"type": "Contact"}, "LastName": f"R{i}", "Email": f"r{i}@example.com"}
        for i in range(200)
    ]
    assert api("POST", f"{V}/composite/sobjects/", json={"records": records}).status_code == 200
    api("POST", f"{V}/composite/sobjects/", json={"records": records[:20]})
    composite = [
        {
            "method": "POST",
            "url": f"{V}/sobjects/Account/",
            "referenceId": f"a{i}",
            "body": {"Name": f"A{i}"},
        }
        for i in range(4)
    ]
    api("POST", f"{V}/composite/", json={"compositeRequest": composite})

    assert _within(_declared(sandbox.salesforce, "GET /services/data/<ver>/query/"), 300)
    collection = _declared(sandbox.salesforce, "POST /services/data/<ver>/composite/sobjects/")
    assert collection["count"] == 2
    assert 0.8 * 1200 <= collection["max_ms"] <= 1.2 * 1200  # 200 records
    assert 0.8 * 210 <= collection["min_ms"] <= 1.2 * 210  # 20 records
    assert _within(_declared(sandbox.salesforce, "POST /services/data/<ver>/composite/"), 350)
    assert sandbox.salesforce.calls()["latency"]["latency_seed"] == 11


def test_reset_puts_back_the_model_the_sandbox_started_with(sandbox: Sandbox):
    sandbox.salesforce.settings(latency_model="realistic")
    sandbox.salesforce.reset()
    assert sandbox.salesforce.settings()["latency_model"] == "fast"
    api = SalesforceApi(sandbox)
    api.query("SELECT Id FROM Contact")
    assert _declared(sandbox.salesforce, "GET /services/data/<ver>/query/")["max_ms"] == 0


def test_bulk_ingest_job_stays_in_progress_while_salesforce_processes_it(sandbox: Sandbox):
    api = SalesforceApi(sandbox)
    sandbox.salesforce.settings(latency_model="realistic")
    job = api("POST", f"{V}/jobs/ingest/", json={"object": "Contact", "operation": "insert"}).json()
    csv = "LastName,Email\nBulk1,bulk1@example.com\nBulk2,bulk2@example.com\n"
    upload = api(
        "PUT",
        f"{V}/jobs/ingest/{job['id']}/batches/",
        data=csv,
        headers={"Content-Type": "text/csv"},
    )
    assert upload.status_code == 201
    closed = api("PATCH", f"{V}/jobs/ingest/{job['id']}/", json={"state": "UploadComplete"})
    assert closed.json()["state"] == "UploadComplete"

    assert api("GET", f"{V}/jobs/ingest/{job['id']}/").json()["state"] == "InProgress"
    assert api.query("SELECT Id FROM Contact WHERE LastName LIKE 'Bulk%'").json()["totalSize"] == 0

    deadline = time.monotonic() + 15
    state = "InProgress"
    while state == "InProgress" and time.monotonic() < deadline:
        time.sleep(0.5)
        info = api("GET", f"{V}/jobs/ingest/{job['id']}/").json()
        state = info["state"]
    assert state == "JobComplete"
    nominal = SALESFORCE["bulk_ingest_processing"].nominal_ms(2)
    assert 0.8 * nominal <= info["totalProcessingTime"] <= 1.2 * nominal
    assert info["numberRecordsProcessed"] == 2
    assert api.query("SELECT Id FROM Contact WHERE LastName LIKE 'Bulk%'").json()["totalSize"] == 2


def test_bulk_query_results_wait_for_the_job(sandbox: Sandbox):
    api = SalesforceApi(sandbox)
    api.create("Contact", LastName="Queried")
    sandbox.salesforce.settings(latency_model="realistic")
    job = api("POST", f"{V}/jobs/query/", json={"query": "SELECT Id FROM Contact"}).json()
    assert api("GET", f"{V}/jobs/query/{job['id']}/").json()["state"] == "InProgress"
    early = api("GET", f"{V}/jobs/query/{job['id']}/results/")
    assert early.status_code == 400


# --- the command-line flag, as the benchmark starts the sandbox ---------------------------
def test_the_sandbox_command_starts_with_the_realistic_model(tmp_path: Path):
    sandbox = Sandbox(tmp_path, latency_model="realistic", latency_seed=5)
    try:
        settings = sandbox.salesforce.settings()
        assert settings["latency_model"] == "realistic" and settings["latency_seed"] == 5
        assert sandbox.hubspot.settings()["latency_model"] == "realistic"
        HubSpotApi(sandbox.info["hubspot"])("GET", "/crm/v3/owners")
        assert _within(_declared(sandbox.hubspot, "GET /crm/v3/owners"), 120)
    finally:
        sandbox.stop()
