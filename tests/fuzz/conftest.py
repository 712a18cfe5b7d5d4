"""The fuzz tests' world: syncadmin connected to the sandbox emulators, one of each object
a URL can name, no way out of loopback, and every error ``django.request`` logs."""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django.test import Client

from alerts.models import AlertChannel
from alerts.services.settings import channel_save
from core.models import SyncJob
from integrations.models import (
    ActivityType,
    OwnerMapping,
    PropertyMapping,
    ReconcileFinding,
)
from tests.factories import ContactLinkFactory, RecordErrorFactory, SyncJobFactory
from tests.sandbox import Sandbox
from tests.sides import HubSpotSide

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "testserver"})


def is_loopback(host: str | bytes | None) -> bool:
    if host is None:  # getaddrinfo(None, port): the local host's own addresses
        return True
    name = (host.decode() if isinstance(host, bytes) else host).strip("[]").lower()
    try:
        return ipaddress.ip_address(name.split("%")[0]).is_loopback
    except ValueError:
        return name in _LOOPBACK_NAMES


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fuzzed URL (a webhook, a base URL, a login URL) must never reach the network:
    resolving or connecting to anything but loopback fails as an unreachable host does."""
    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def getaddrinfo(host, *args, **kwargs):
        if not is_loopback(host):
            raise socket.gaierror(socket.EAI_NONAME, f"fuzz tests stay on loopback: {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    def refuse(sock: socket.socket, address: object) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0] if isinstance(address, tuple) else address
            if not is_loopback(host):
                raise ConnectionRefusedError(f"fuzz tests stay on loopback: {address!r}")

    def connect(sock: socket.socket, address: object) -> None:
        refuse(sock, address)
        real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: object) -> int:
        refuse(sock, address)
        return real_connect_ex(sock, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)


class RequestErrors(logging.Handler):
    """Every record of level ERROR that ``django.request`` logs (a 5xx, an exception)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def take(self) -> list[str]:
        taken = list(dict.fromkeys(self.format(r) for r in self.records))
        self.records.clear()
        return taken


@pytest.fixture
def request_errors() -> Iterator[RequestErrors]:
    handler = RequestErrors()
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


#: the path parameters the world has objects for (test_fuzz_coverage checks every route's)
WORLD_PATH_PARAMS = frozenset(
    {"mapping_id", "channel_id", "job_id", "key", "owner_id", "list_id", "ref"}
)


@dataclass
class World:
    """One of each thing a URL names, so path parameters can point at real objects."""

    hubspot_list_id: str
    path_values: dict[str, list[str]] = field(default_factory=dict)


@pytest.fixture
def world(connected: Sandbox, admin) -> World:
    hubspot = HubSpotSide(connected)
    list_id = hubspot.create_list("Fuzz VIPs", country="Finland")
    OwnerMapping.objects.create(
        hubspot_owner_id="9001", hubspot_email="o@example.com", hubspot_name="Olli Owner"
    )
    channel_save(
        actor=admin,
        values={
            "name": "Ops mail",
            "kind": "email",
            "enabled": True,
            "recipients": "ops@example.com",
        },
    )
    channel_save(
        actor=admin,
        values={
            "name": "Ops hook",
            "kind": "webhook",
            "enabled": True,
            "url": "http://127.0.0.1:9/hook",
            "secret": "s" * 32,
        },
    )
    SyncJobFactory()
    SyncJobFactory(status=SyncJob.Status.SUCCEEDED)
    ContactLinkFactory(hubspot_id="101", email="bad@example.com")
    RecordErrorFactory(hubspot_id="101", message="Bad company")
    ReconcileFinding.objects.create(
        kind=ReconcileFinding.Kind.MISSING_IN_SALESFORCE,
        record_key="hs:202",
        hubspot_id="202",
        email="gone@example.com",
    )
    world = World(
        hubspot_list_id=list_id,
        path_values={
            "mapping_id": [str(pk) for pk in PropertyMapping.objects.values_list("pk", flat=True)],
            "channel_id": [str(pk) for pk in AlertChannel.objects.values_list("pk", flat=True)],
            "job_id": [str(pk) for pk in SyncJob.objects.values_list("pk", flat=True)],
            "key": list(ActivityType.objects.values_list("key", flat=True)),
            "owner_id": list(OwnerMapping.objects.values_list("hubspot_owner_id", flat=True)),
            "list_id": [list_id],
            # a contact's page, by HubSpot id and by email (a linked contact)
            "ref": ["101", "bad@example.com"],
        },
    )
    assert world.path_values.keys() == WORLD_PATH_PARAMS
    return world


@pytest.fixture
def fuzz_client(admin) -> Client:
    """An admin's browser that gets a 500 page rather than the exception."""
    client = Client(raise_request_exception=False)
    client.force_login(admin)
    return client


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Which views accepted fuzzed input, and how often: worth a look after a change."""
    from tests.fuzz.engine import ACCEPTED_SAMPLES, TALLY

    took = {name: t for name, t in sorted(TALLY.items()) if t["accepted"]}
    if not took:
        return
    terminalreporter.section("fuzz: requests accepted (not refused)")
    for name, t in took.items():
        terminalreporter.line(f"{name}: {t['accepted']} of {t['sent']}")
        if os.environ.get("FUZZ_SHOW_ACCEPTED"):
            for sample in ACCEPTED_SAMPLES[name]:
                terminalreporter.line(f"    {sample[:400]}")
