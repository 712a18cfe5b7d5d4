"""The fuzz tests cannot forget a view: every route that answers POST is fuzzed or
excluded here with a reason, and each exclusion still names a route that exists."""

from __future__ import annotations

import socket

import pytest
from django.db import transaction
from django.test import Client

from tests.fuzz.conftest import WORLD_PATH_PARAMS
from tests.fuzz.plan import (
    EXCLUDED_NAMESPACES,
    GET_EXCLUDED,
    OUTCOME_VIEWS,
    POST_EXCLUDED,
    VENDOR_VIEWS,
    get_routes,
    post_routes,
)
from tests.fuzz.routes import Route, all_routes
from tests.fuzz.send import route_path

#: a stand-in for each converter, enough to resolve the route
_SAMPLE = {"int": "1", "string": "x", "slug": "x", "path": "x", "uuid": "0" * 32}


def ours() -> list[Route]:
    return [r for r in all_routes() if r.namespace not in EXCLUDED_NAMESPACES]


def _answers_post(admin, route: Route) -> bool:
    """What the view itself says to an admin's empty POST (anything but 405: it takes
    POSTs); whatever the POST did is rolled back (a logout too: a new login each time)."""
    path = route_path(route, {n: _SAMPLE[c] for n, c in route.params.items()})
    client = Client(raise_request_exception=False)
    client.force_login(admin)
    with transaction.atomic():
        status = client.post(path).status_code
        transaction.set_rollback(True)
    return status != 405


@pytest.mark.django_db
def test_every_route_that_takes_a_post_is_fuzzed_or_excluded(admin) -> None:
    fuzzed = {r.name for r in post_routes()}
    taking_posts = {r.name for r in ours() if _answers_post(admin, r)}
    forgotten = taking_posts - fuzzed - POST_EXCLUDED.keys()
    assert not forgotten, f"POST views neither fuzzed nor in POST_EXCLUDED: {forgotten}"
    # the method each view declares is the one it enforces: no POST view hides from the fuzz
    assert fuzzed == taking_posts - POST_EXCLUDED.keys()
    assert {"connections_hubspot_save", "job_cancel", "alerts_rules"} <= fuzzed
    assert "connections" not in fuzzed and "audit_log" not in fuzzed  # GET only


def test_exclusions_name_routes_that_exist() -> None:
    names = {r.name for r in ours()}
    for table in (POST_EXCLUDED, GET_EXCLUDED, OUTCOME_VIEWS):
        assert table.keys() <= names, f"stale exclusions: {table.keys() - names}"
    assert names >= VENDOR_VIEWS, f"stale: {VENDOR_VIEWS - names}"
    assert EXCLUDED_NAMESPACES.keys() <= {r.namespace for r in all_routes()}


def test_every_path_parameter_has_objects_to_point_at() -> None:
    """A new ``<int:thing_id>`` needs a real thing in the fuzz's world (conftest.py)."""
    params = {p for r in post_routes() + get_routes() for p in r.params}
    assert params <= WORLD_PATH_PARAMS, f"add to the world: {params - WORLD_PATH_PARAMS}"


def test_the_fuzz_cannot_leave_loopback() -> None:
    """A fuzzed webhook or base URL that names a real host fails as an unreachable one."""
    for host in ("example.com", "169.254.169.254", "10.0.0.1", "2001:db8::1"):
        with pytest.raises(OSError):
            socket.getaddrinfo(host, 443)
    with pytest.raises(OSError), socket.socket() as sock:
        sock.connect(("192.0.2.1", 9))  # TEST-NET-1: never reached
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname(), timeout=5):
            pass  # loopback still works (the sandbox, PostgreSQL, Redis)
