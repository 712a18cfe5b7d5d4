"""Real receivers on loopback for the alert tests: an SMTP server (aiosmtpd) and an HTTP
server that records every webhook POST and answers as it is told."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from alerts.models import AlertChannel
from alerts.services.settings import channel_save

WEBHOOK_SECRET = "whsec-correct-horse-battery-staple-42"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    """aiosmtpd handler: keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"

    def subjects(self) -> list[str]:
        return [message["Subject"] for _, message in self.messages]


@dataclass
class SmtpServer:
    host: str
    port: int
    mailbox: Mailbox

    @property
    def messages(self) -> list[tuple[list[str], Message]]:
        return self.mailbox.messages


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield SmtpServer("127.0.0.1", controller.port, mailbox)
    controller.stop()


@pytest.fixture
def email_settings(settings, smtp_server: SmtpServer, monkeypatch) -> SmtpServer:
    """Django's SMTP backend pointed at the loopback server, here and in workers started
    after this (they read the environment)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp_server.host, smtp_server.port
    settings.EMAIL_USE_TLS = False
    for name, value in (
        ("EMAIL_HOST", smtp_server.host),
        ("EMAIL_PORT", str(smtp_server.port)),
        ("EMAIL_USE_TLS", "false"),
    ):
        monkeypatch.setenv(name, value)
    return smtp_server


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A webhook endpoint on loopback; ``answers`` are the statuses of the next POSTs
    (then 200)."""

    url: str
    requests: list[Received] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def payloads(self) -> list[dict]:
        with self.lock:
            return [r.json() for r in self.requests]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    port = free_port()
    state = Receiver(url=f"http://127.0.0.1:{port}/hooks/syncadmin")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with state.lock:
                state.requests.append(Received(self.path, dict(self.headers.items()), body))
                status = state.answers.pop(0) if state.answers else 200
            self.send_response(status)
            self.end_headers()
            self.wfile.write(b"ok" if status < 300 else b"receiver is down")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def webhook_channel(url: str, *, name: str = "Ops webhook", actor=None) -> AlertChannel:
    return channel_save(
        actor=actor,
        values={
            "name": name,
            "kind": AlertChannel.Kind.WEBHOOK,
            "enabled": True,
            "url": url,
            "secret": WEBHOOK_SECRET,
        },
    )


def email_channel(*recipients: str, name: str = "Ops email", actor=None) -> AlertChannel:
    return channel_save(
        actor=actor,
        values={
            "name": name,
            "kind": AlertChannel.Kind.EMAIL,
            "enabled": True,
            "recipients": "\n".join(recipients),
        },
    )
