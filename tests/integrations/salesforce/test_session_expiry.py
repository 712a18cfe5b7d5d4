"""An expired session costs exactly one re-login; a server that keeps refusing never loops."""

from __future__ import annotations

import pytest

from integrations.http.errors import AuthenticationFailed
from tests.integrations.salesforce.conftest import (
    INVALID_SESSION,
    calls,
    login,
    reset_calls,
    soap_logins,
)
from tests.sandbox import Sandbox
from tests.sides import soql_records


def expire_sessions(sandbox: Sandbox) -> None:
    """The sandbox's control route that ends every session, as Salesforce does after a timeout."""
    sandbox.salesforce.control("POST", "sessions/expire")


def test_an_expired_session_logs_in_again_once_and_repeats_the_call(sandbox: Sandbox) -> None:
    client = login(sandbox)
    expire_sessions(sandbox)
    reset_calls(sandbox)

    usage = client.limits()

    assert usage["max"] > 0
    assert soap_logins(sandbox) == 1
    assert calls(sandbox, "GET", "/limits") == 2


def test_an_expired_session_mid_query_resumes_at_the_same_page(sandbox: Sandbox) -> None:
    client = login(sandbox)
    client.create("Contact", [{"LastName": f"Page {i}"} for i in range(2_100)])
    pages = client.query_pages("SELECT Id FROM Contact")
    first_page = next(pages)["records"]
    expire_sessions(sandbox)
    reset_calls(sandbox)

    rest = [record for page in pages for record in page["records"]]

    assert len(first_page) + len(rest) == 2_100
    assert soap_logins(sandbox) == 1


def test_a_server_that_always_refuses_the_session_fails_after_one_re_login(
    sandbox: Sandbox,
) -> None:
    client = login(sandbox)
    reset_calls(sandbox)
    sandbox.salesforce.fault(path="/services/data/*", count=1000, status=401, body=INVALID_SESSION)

    with pytest.raises(AuthenticationFailed) as caught:
        client.limits()

    assert caught.value.category == "INVALID_SESSION_ID"
    assert "Session expired or invalid" in caught.value.message
    assert soap_logins(sandbox) == 1
    assert calls(sandbox, "GET", "/limits") == 2


def test_sobject_calls_do_not_loop_on_a_refused_session_either(sandbox: Sandbox) -> None:
    client = login(sandbox)
    reset_calls(sandbox)
    sandbox.salesforce.fault(path="/services/data/*", count=1000, status=401, body=INVALID_SESSION)

    with pytest.raises(AuthenticationFailed):
        client.describe("Lead")

    assert soap_logins(sandbox) == 1
    assert calls(sandbox, "GET", "/describe") == 2


def test_a_bulk_insert_refused_before_its_job_exists_is_repeated_once(sandbox: Sandbox) -> None:
    client = login(sandbox, bulk_threshold=2, bulk_first_poll_s=0.05)
    expire_sessions(sandbox)
    reset_calls(sandbox)

    results = client.create("Lead", [{"LastName": f"L{i}", "Company": "Acme"} for i in range(3)])

    assert all(r.success for r in results)
    assert soap_logins(sandbox) == 1
    assert calls(sandbox, "POST", "/jobs/ingest") == 2  # refused, then the one real job
    assert len(soql_records(client, "SELECT Id FROM Lead")) == 3
