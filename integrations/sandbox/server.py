"""Serving the emulators: threaded werkzeug servers, TLS from a local CA."""

from __future__ import annotations

import ssl
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import trustme
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class QuietHandler(WSGIRequestHandler):
    """The sandbox answers thousands of requests a second: no access log, and HTTP/1.1
    keep-alive, so a client does not pay a new (TLS) connection for every call."""

    protocol_version = "HTTP/1.1"

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


@dataclass
class LocalTLS:
    """A CA generated at start, and a server certificate it signed for loopback."""

    ssl_context: Any
    ca_bundle: Path


def local_tls(directory: Path) -> LocalTLS:
    ca = trustme.CA(organization_name="syncadmin sandbox")
    cert = ca.issue_cert("127.0.0.1", "localhost", "::1")
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)  # the CA's private key stays in memory; its folder is ours alone
    ca_bundle = directory / "sandbox-ca.pem"
    ca.cert_pem.write_to_path(str(ca_bundle))
    ca_bundle.chmod(0o600)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    return LocalTLS(ssl_context=context, ca_bundle=ca_bundle)


def start_server(app: Any, host: str, port: int, ssl_context: Any = None) -> BaseWSGIServer:
    """Start serving ``app`` on a daemon thread, one thread per connection; ``port=0``
    picks a free port.

    With TLS, each connection's handshake runs in that connection's own thread (on its
    first read) rather than in the accepting thread, where werkzeug would run it: there
    one client slow or stuck in its handshake held up every other connection.
    """
    server = make_server(host, port, app, threaded=True, request_handler=QuietHandler)
    if ssl_context is not None:
        server.socket = ssl_context.wrap_socket(
            server.socket, server_side=True, do_handshake_on_connect=False
        )
        server.ssl_context = ssl_context  # werkzeug reads it for wsgi.url_scheme
    threading.Thread(target=server.serve_forever, name=f"sandbox:{port}", daemon=True).start()
    return server
