"""The machinery both API emulators share.

An ``Emulator`` is a WSGI app built on werkzeug routing. Subclasses declare
their routes and vendor error shapes; this module gives every emulator the
same control API under ``/__sandbox__/``:

- ``POST /__sandbox__/reset``  ``{"seed": "empty"|"demo", "contacts": N}``
- ``POST /__sandbox__/faults`` one fault rule (see ``FaultRule``)
- ``DELETE /__sandbox__/faults`` clears every rule
- ``GET /__sandbox__/calls`` call accounting, with what the emulator saw of its
  callers (peak concurrency and rates, limits refused, latency applied: see
  ``traffic.py``); ``POST /__sandbox__/calls/reset`` clears both
- ``GET|PATCH /__sandbox__/settings`` emulator tunables (rate limits, ...), and for
  every emulator the latency model (``latency_model`` fast|realistic,
  ``latency_ms``, ``latency_seed``; see ``latency.py``); ``reset`` puts back the
  model the sandbox was started with

Subclasses may add their own control routes with ``control_routes()``.
Control requests are never counted, rate-limited or faulted.
"""

from __future__ import annotations

import fnmatch
import json
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from html import escape
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from integrations.sandbox import latency
from integrations.sandbox.latency import Call, LatencyModel, Profile
from integrations.sandbox.traffic import Traffic

CONTROL_PREFIX = "/__sandbox__"


class VendorError(Exception):
    """Raised by a handler to answer with the vendor's own error shape."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


@dataclass
class FaultRule:
    """What happens to the next ``count`` requests matching method + path.

    ``path`` is a glob matched against the request path (``*`` spans slashes).
    Exactly what happens is any combination of: ``latency_ms`` added before
    answering; ``drop`` closes the connection without an answer; ``status``
    (+ optional ``body``, ``headers``) answers instead of the handler, with the
    emulator's default vendor error body when ``body`` is absent;
    ``record_errors`` lets the request through but makes the listed inputs of a
    batch fail, ``{index: {"status"/"statusCode", "message", ...}}``; a request
    refused for its credentials (an expired session) leaves them for the next one,
    so record errors combine with session expiry as they do at the vendor.

    Faults *after* the write, as real vendors produce them (a write that was
    applied but whose answer never reached the caller): ``after_latency_ms``
    runs the handler first and then waits before answering (a client that gave
    up meanwhile never learns what happened); ``after_drop`` runs the handler
    and then closes the connection without an answer. Either can combine with
    ``record_errors``.

    ``skip`` lets that many matching requests through first (the third page of a
    read fails: ``skip=2``).
    """

    method: str = "*"
    path: str = "*"
    count: int = 1
    status: int | None = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    latency_ms: int = 0
    drop: bool = False
    record_errors: dict[int, dict[str, Any]] = field(default_factory=dict)
    after_latency_ms: int = 0
    after_drop: bool = False
    skip: int = 0

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FaultRule:
        known = {f for f in cls.__dataclass_fields__}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        rule = cls(**data)
        rule.method = rule.method.upper()
        rule.record_errors = {int(k): v for k, v in (rule.record_errors or {}).items()}
        if rule.count < 1:
            raise ValueError("count must be >= 1")
        if rule.skip < 0:
            raise ValueError("skip must be >= 0")
        return rule

    def matches(self, method: str, path: str) -> bool:
        return (self.method in ("*", method)) and fnmatch.fnmatchcase(path, self.path)


class Emulator:
    """Base WSGI app: routing, control API, faults, latency, call accounting."""

    #: used in logs and the info file
    name = "emulator"

    def __init__(
        self, *, latency_ms: int = 0, latency_model: str = "fast", latency_seed: int = 0
    ) -> None:
        self.lock = threading.RLock()
        self._latency_initial = {
            "latency_model": latency_model,
            "latency_ms": latency_ms,
            "latency_seed": latency_seed,
        }
        self.latency = self._latency_from(self._latency_initial)
        self.traffic = Traffic()
        self.faults: list[FaultRule] = []
        self.calls: Counter[str] = Counter()
        self._served = 0
        self._started = time.monotonic()
        self.url_map = Map(
            [
                Rule(path, endpoint=endpoint, methods=methods)
                for path, endpoint, methods in self.routes()
            ]
            + [
                Rule(f"{CONTROL_PREFIX}{path}", endpoint=f"control:{endpoint}", methods=methods)
                for path, endpoint, methods in self._base_control_routes() + self.control_routes()
            ],
            strict_slashes=False,
        )
        self.web_map = Map(
            [Rule(path, endpoint=name, methods=["GET"]) for path, name in self.web_routes()],
            strict_slashes=False,
        )
        self.reset(seed="empty")

    # --- to be provided by subclasses -------------------------------------------------
    def routes(self) -> list[tuple[str, str, list[str]]]:
        """``(werkzeug rule, handler method name, methods)`` of the vendor API."""
        return []

    def web_routes(self) -> list[tuple[str, str]]:
        """``(werkzeug rule, handler method name)`` of the vendor's web app: the record
        pages a browser opens from syncadmin's *Open in ...* links. They are not API calls:
        never counted, delayed or faulted. A handler returns ``None`` to fall through to
        the API routes (a path that only looks like a record page)."""
        return []

    def control_routes(self) -> list[tuple[str, str, list[str]]]:
        """Extra ``(rule under /__sandbox__, handler method name, methods)``."""
        return []

    def reset(self, *, seed: str = "empty", contacts: int | None = None) -> None:
        """Drop all state and load a seed profile."""

    def authenticate(self, request: Request, endpoint: str) -> None:
        """Raise ``VendorError`` when the request is not authenticated."""

    def on_arrival(self, request: Request, endpoint: str) -> None:
        """What the vendor does as a request arrives, before any work on it (and before
        the latency model's wait): rate limits count arrivals; raise ``VendorError`` to
        refuse at once."""

    def before_request(self, request: Request, endpoint: str) -> None:
        """Checks once the request is authenticated (an org's daily limit and the like);
        raise ``VendorError`` to refuse."""

    def default_error_body(self, status: int, message: str) -> Any:
        return {"message": message}

    def latency_profiles(self) -> dict[str, Profile]:
        """The realistic model's latency classes (see ``latency.py``)."""
        return {}

    def latency_call(self, request: Request, endpoint: str) -> Call:
        """Which latency class a vendor API request falls in, and its size in units."""
        return Call("default")

    def limits_seen(self) -> dict[str, Any]:
        """Vendor-specific peaks for ``/__sandbox__/calls`` (HubSpot's rolling windows)."""
        return {}

    def limits_seen_clear(self) -> None:
        """Forget the peaks ``limits_seen`` reports."""

    def response_headers(self, request: Request) -> dict[str, str]:
        """Headers added to every vendor API response (rate-limit info, ...)."""
        return {}

    def settings(self) -> dict[str, Any]:
        return {}

    def update_settings(self, changes: dict[str, Any]) -> None:
        raise ValueError(f"unknown settings: {sorted(changes)}")

    # --- helpers for handlers ---------------------------------------------------------
    @staticmethod
    def json_body(request: Request) -> Any:
        """Parse the body as JSON or raise a 400 in the vendor's shape."""
        raw = request.get_data(cache=True)
        if not raw:
            return None
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise VendorError(400, None) from exc

    @staticmethod
    def json_response(
        body: Any, status: int = 200, headers: dict[str, str] | None = None
    ) -> Response:
        if status == 204:
            return Response(status=204, headers=headers)
        return Response(
            json.dumps(body, separators=(",", ":")),
            status=status,
            headers=headers,
            mimetype="application/json",
        )

    def record_errors_for(self, request: Request) -> dict[int, dict[str, Any]]:
        """Per-record errors a fault rule attached to this (batch) request."""
        return request.environ.get("sandbox.record_errors", {})

    # --- WSGI -------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        page = self._web_page(request)
        if page is not None:
            return page
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except NotFound:
            return self._vendor_error(request, VendorError(404, None), count_as=None)
        except MethodNotAllowed:
            return self._vendor_error(request, VendorError(405, None), count_as=None)
        except HTTPException as exc:  # redirects for slashes and the like
            return exc.get_response(request.environ)
        if endpoint.startswith("control:"):
            return self._control(request, endpoint.removeprefix("control:"), args)
        template = adapter.match(return_rule=True)[0].rule
        call_key = f"{request.method} {template}"
        with self.lock:
            self.calls[call_key] += 1
            self._served += 1
        with self.traffic.serving():
            return self._serve(request, endpoint, args, call_key)

    def _web_page(self, request: Request) -> Response | None:
        try:
            endpoint, args = self.web_map.bind_to_environ(request.environ).match()
        except HTTPException:
            return None
        with self.lock:
            return getattr(self, endpoint)(request, **args)

    @staticmethod
    def record_page(*, app: str, title: str, fields: dict[str, Any]) -> Response:
        """A plain page showing one record, as the vendor's web app would."""
        rows = "".join(
            f"<tr><th>{escape(str(name))}</th><td>{escape(str(value))}</td></tr>"
            for name, value in fields.items()
            if value not in (None, "")
        )
        body = (
            f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f"<title>{escape(title)} · {escape(app)} (sandbox)</title></head><body>"
            f"<p>{escape(app)} sandbox: this page stands in for the vendor's record page.</p>"
            f"<h1>{escape(title)}</h1><table>{rows}</table></body></html>"
        )
        return Response(body, mimetype="text/html")

    def _serve(
        self, request: Request, endpoint: str, args: dict[str, Any], call_key: str
    ) -> Response:
        """One vendor API request, counted as in flight by ``dispatch``; the latency is
        waited for outside every lock, so concurrent requests wait concurrently."""
        try:
            self.on_arrival(request, endpoint)
        except VendorError as exc:
            return self._vendor_error(request, exc, count_as=call_key)
        delay_ms = self.latency.delay_ms(self.latency_call(request, endpoint))
        self.traffic.latency_applied(call_key, delay_ms)
        if delay_ms:
            time.sleep(delay_ms / 1000)
        fault = self._take_fault(request.method, request.path)
        if fault is not None:
            if fault.latency_ms:
                time.sleep(fault.latency_ms / 1000)
            if fault.drop:
                self._drop_connection(request)
            if fault.status is not None:
                body = (
                    fault.body
                    if fault.body is not None
                    else self.default_error_body(fault.status, "Injected fault")
                )
                return self._vendor_error(
                    request, VendorError(fault.status, body, fault.headers), count_as=call_key
                )
            if fault.record_errors:
                request.environ["sandbox.record_errors"] = fault.record_errors
        try:
            try:
                self.authenticate(request, endpoint)
            except VendorError:
                if fault is not None and fault.record_errors:
                    self._give_back(fault)  # record errors need a request that runs
                raise
            self.before_request(request, endpoint)
            response = getattr(self, endpoint)(request, **args)
        except VendorError as exc:
            response = self._vendor_error(request, exc, count_as=call_key)
        else:
            for name, value in self.response_headers(request).items():
                response.headers.setdefault(name, value)
        if fault is not None and fault.after_latency_ms:
            time.sleep(fault.after_latency_ms / 1000)
        if fault is not None and fault.after_drop:
            self._drop_connection(request)
        return response

    def _vendor_error(self, request: Request, exc: VendorError, count_as: str | None) -> Response:
        body = exc.body
        if body is None:
            body = self.default_error_body(exc.status, _default_message(exc.status))
        response = self.json_response(body, exc.status, exc.headers)
        for name, value in self.response_headers(request).items():
            response.headers.setdefault(name, value)
        return response

    def _take_fault(self, method: str, path: str) -> FaultRule | None:
        with self.lock:
            for rule in self.faults:
                if rule.matches(method, path):
                    if rule.skip:
                        rule.skip -= 1
                        return None
                    rule.count -= 1
                    if rule.count <= 0:
                        self.faults.remove(rule)
                    return rule
        return None

    def _give_back(self, rule: FaultRule) -> None:
        """A rule taken by a request that never reached its handler (its session had
        expired, say) applies to the next one, as per-record errors would in real life."""
        with self.lock:
            rule.count += 1
            if rule not in self.faults:
                self.faults.insert(0, rule)

    @staticmethod
    def _drop_connection(request: Request) -> None:
        sock = request.environ.get("werkzeug.socket")
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            finally:
                sock.close()
        raise ConnectionAbortedError("sandbox fault: connection dropped")

    # --- control API ------------------------------------------------------------------
    def _base_control_routes(self) -> list[tuple[str, str, list[str]]]:
        return [
            ("/reset", "control_reset", ["POST"]),
            ("/faults", "control_faults", ["GET", "POST", "DELETE"]),
            ("/calls", "control_calls", ["GET"]),
            ("/calls/reset", "control_calls_reset", ["POST"]),
            ("/settings", "control_settings", ["GET", "PATCH"]),
        ]

    def _control(self, request: Request, endpoint: str, args: dict[str, Any]) -> Response:
        try:
            return getattr(self, endpoint)(request, **args)
        except (ValueError, TypeError, KeyError) as exc:
            return self.json_response({"error": str(exc)}, 400)
        except VendorError as exc:
            return self.json_response({"error": exc.body or _default_message(exc.status)}, 400)

    def control_reset(self, request: Request) -> Response:
        data = self.json_body(request) or {}
        with self.lock:
            self.faults.clear()
            self.calls.clear()
            self.traffic.clear()
            self.latency = self._latency_from(self._latency_initial)
            self.reset(seed=data.get("seed", "empty"), contacts=data.get("contacts"))
            self.limits_seen_clear()
        return self.json_response({"ok": True})

    def control_faults(self, request: Request) -> Response:
        with self.lock:
            if request.method == "DELETE":
                self.faults.clear()
            elif request.method == "POST":
                self.faults.append(FaultRule.from_json(self.json_body(request) or {}))
            return self.json_response({"faults": [vars(f) for f in self.faults]})

    def control_calls(self, request: Request) -> Response:
        with self.lock:
            return self.json_response(
                {
                    "total": sum(self.calls.values()),
                    "by_endpoint": dict(self.calls),
                    "limits": {**self.traffic.to_json(), **self.limits_seen()},
                    "latency": self.latency.describe(),
                }
            )

    def control_calls_reset(self, request: Request) -> Response:
        with self.lock:
            self.calls.clear()
            self.traffic.clear()
            self.limits_seen_clear()
        return self.json_response({"total": 0, "by_endpoint": {}})

    def control_settings(self, request: Request) -> Response:
        with self.lock:
            if request.method == "PATCH":
                changes = dict(self.json_body(request) or {})
                wanted = {k: changes.pop(k) for k in latency.SETTINGS & set(changes)}
                new_latency = (
                    self._latency_from({**self.latency.describe(), **wanted}) if wanted else None
                )
                self.update_settings(changes)
                if new_latency is not None:
                    self.latency = new_latency
            return self.json_response({**self.settings(), **self.latency.describe()})

    def _latency_from(self, chosen: dict[str, Any]) -> LatencyModel:
        for name in ("latency_ms", "latency_seed"):
            if not isinstance(chosen[name], int) or isinstance(chosen[name], bool):
                raise ValueError(f"{name} must be an integer")
        return LatencyModel(
            str(chosen["latency_model"]),
            fixed_ms=chosen["latency_ms"],
            seed=chosen["latency_seed"],
            profiles=self.latency_profiles(),
        )

    def requests_per_second(self) -> float:
        return self._served / max(time.monotonic() - self._started, 1e-9)


def _default_message(status: int) -> str:
    return {
        400: "Bad request",
        401: "Authentication failed",
        403: "Forbidden",
        404: "Not found",
        405: "Method not allowed",
        409: "Conflict",
        429: "Too many requests",
        500: "Internal server error",
        503: "Service unavailable",
    }.get(status, "Error")
