"""Fixtures shared by the whole suite."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client

import tests.job_kinds  # noqa: F401  (registers the test-only job kind)
from core.roles import ADMIN, VIEWER
from integrations.http.ratelimit import rate_limit_reset
from tests.factories import make_user
from tests.sandbox import Sandbox

pytest_plugins = ["tests.sides", "tests.audit_flush"]


@pytest.fixture
def admin(db):
    return make_user("alice", ADMIN)


@pytest.fixture
def viewer(db):
    return make_user("victor", VIEWER)


@pytest.fixture
def admin_web(admin) -> Client:
    client = Client()
    client.force_login(admin)
    return client


@pytest.fixture
def viewer_web(viewer) -> Client:
    client = Client()
    client.force_login(viewer)
    return client


@pytest.fixture(scope="session")
def sandbox_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """One sandbox child process for the whole run, on free loopback ports."""
    sandbox = Sandbox(tmp_path_factory.mktemp("sandbox"))
    yield sandbox
    sandbox.stop()


@pytest.fixture
def sandbox(sandbox_process: Sandbox) -> Sandbox:
    """The sandbox, reset to empty state (no faults, no counted calls) for this test, and
    our shared rate-limit windows empty (a file or Redis key would carry one test's calls
    into the next one's timing)."""
    sandbox_process.reset("empty")
    rate_limit_reset()
    return sandbox_process
