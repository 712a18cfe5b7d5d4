"""The one HTTP layer under both vendor clients.

Every request either client makes goes through ``TransportAdapter.send``:

- **counted** (``CallMeter``), every attempt, retries included, because the
  vendors count every attempt against our limits;
- **gated** by ``before_call`` hooks (the shared HubSpot rate limiter, the
  Salesforce API budget) before each attempt;
- **retried** with tenacity on 429 (waiting as ``Retry-After`` says), 5xx and
  connection errors, with exponential backoff and jitter, a bounded number of
  times. A 429 was refused before any work, so every request is retried; a 5xx
  or a lost connection may come *after* the vendor saved the records, so only
  requests that are safe to repeat are retried then (reads, and writes
  addressed by id), never a create that could run twice. Other statuses come
  back untouched for the client to raise a named error carrying the vendor's
  own message.

simple-salesforce accepts a ``requests.Session``, so the same adapter serves
it; the adapter also pins the CA bundle per request, because
``REQUESTS_CA_BUNDLE`` in the environment would override ``session.verify``.
"""

from __future__ import annotations

import email.utils
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

#: statuses worth another attempt: rate limited, or the vendor's side failed
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: methods that do the same thing however often they are sent
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH"})
#: POSTs that only read (searches, batch reads, queries, logins)
READ_ONLY_POST_SUFFIXES = ("/search", "/batch/read", "/query", "/token", "/lists/search")
#: POST writes addressed by id or by a unique property: a second send lands on the same
#: records (HubSpot batch update by id, upsert by email, archive by id)
IDEMPOTENT_POST_SUFFIXES = ("/batch/update", "/batch/upsert", "/batch/archive")


_VERSION_SEGMENT = re.compile(r"^v\d+(\.\d+)?$")


def call_operation(method: str, url: str) -> str:
    """``"GET /crm/v3/lists/{id}"``: a call without the ids in its path, so two calls of
    the same endpoint compare equal (a permission refusal is tied to its endpoint)."""
    segments = [
        "{id}" if any(c.isdigit() for c in s) and not _VERSION_SEGMENT.match(s) else s
        for s in requests.utils.urlparse(url).path.strip("/").split("/")
        if s
    ]
    return f"{method.upper()} /{'/'.join(segments)}"


def _path(request: requests.PreparedRequest) -> str:
    return requests.utils.urlparse(request.url or "").path.rstrip("/")


def is_read(request: requests.PreparedRequest) -> bool:
    """Does ``request`` only read (changes nothing on the vendor's side)?"""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return True
    path = _path(request)
    return request.method == "POST" and (
        path.endswith(READ_ONLY_POST_SUFFIXES) or "/services/Soap/" in path
    )


def safe_to_repeat(request: requests.PreparedRequest) -> bool:
    """Would sending ``request`` twice do no harm (no second record created)?"""
    if request.method in IDEMPOTENT_METHODS or is_read(request):
        return True
    return _path(request).endswith(IDEMPOTENT_POST_SUFFIXES)


DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_TIMEOUT_S = 60.0
#: never sleep longer than this for one Retry-After, whatever the server says
MAX_RETRY_AFTER_S = 60.0

Hook = Callable[[requests.PreparedRequest], None]
ResponseHook = Callable[[requests.Response], None]


class CallMeter:
    """Thread-safe count of API calls made through one client; the engine
    drains it into the job's counters after each batch."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending = 0
        self.total = 0

    def add(self, n: int = 1) -> None:
        with self._lock:
            self._pending += n
            self.total += n

    def drain(self) -> int:
        """Calls made since the last drain."""
        with self._lock:
            pending, self._pending = self._pending, 0
            return pending


class TransientResponse(Exception):
    def __init__(self, response: requests.Response) -> None:
        super().__init__(response.status_code)
        self.response = response


class UnsafeToRepeat(requests.ConnectionError):
    """A connection failed during a write that must not be sent twice: not retried."""


def _worth_retrying(exc: BaseException) -> bool:
    if isinstance(exc, UnsafeToRepeat):
        return False
    return isinstance(exc, (TransientResponse, requests.ConnectionError, requests.Timeout))


def retry_after_seconds(response: requests.Response) -> float | None:
    """``Retry-After`` as seconds (delta-seconds or an HTTP date), if present."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


_backoff = wait_exponential_jitter(multiplier=0.5, max=30, jitter=0.5)


def _wait(state: RetryCallState) -> float:
    exc = state.outcome.exception() if state.outcome else None
    if isinstance(exc, TransientResponse):
        told = retry_after_seconds(exc.response)
        if told is not None:
            return min(told, MAX_RETRY_AFTER_S)
    return _backoff(state)


def _give_up(state: RetryCallState) -> requests.Response:
    exc = state.outcome.exception() if state.outcome else None
    if isinstance(exc, TransientResponse):
        return exc.response  # the client turns it into RateLimited / ServerError
    raise exc  # type: ignore[misc]


class TransportAdapter(HTTPAdapter):
    def __init__(
        self,
        *,
        meter: CallMeter,
        before_call: list[Hook] | None = None,
        after_call: list[ResponseHook] | None = None,
        ca_bundle: str | None = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(pool_connections=4, pool_maxsize=16, max_retries=0)
        self.meter = meter
        self.before_call = before_call or []
        self.after_call = after_call or []
        self.ca_bundle = ca_bundle
        self.max_attempts = max_attempts
        self.timeout_s = timeout_s
        self.sleep = sleep

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        if self.ca_bundle:
            kwargs["verify"] = self.ca_bundle
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout_s
        retrying = Retrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=_wait,
            retry=retry_if_exception(_worth_retrying),
            retry_error_callback=_give_up,
            sleep=self.sleep,
        )
        return retrying(self._attempt, request, **kwargs)

    def _attempt(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        for hook in self.before_call:
            hook(request)
        self.meter.add()
        repeatable = safe_to_repeat(request)
        try:
            response = super().send(request, **kwargs)
        except (requests.ConnectionError, requests.Timeout) as exc:
            if repeatable:
                raise
            raise UnsafeToRepeat(
                f"{exc} (a write that may have been applied: not repeated automatically)"
            ) from exc
        for hook in self.after_call:
            hook(response)
        if response.status_code == 429 or (response.status_code in RETRY_STATUSES and repeatable):
            response.content  # noqa: B018  (read the body before the connection is reused)
            raise TransientResponse(response)
        return response


def api_session(
    *,
    meter: CallMeter,
    before_call: list[Hook] | None = None,
    after_call: list[ResponseHook] | None = None,
    ca_bundle: str | None = None,
    headers: dict[str, str] | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    timeout_s: float | None = None,
) -> requests.Session:
    """A session whose every request is counted, gated, and retried as above; each
    attempt waits ``timeout_s`` for an answer (default: the ``VENDOR_TIMEOUT_S`` setting)."""
    if timeout_s is None:
        timeout_s = float(getattr(settings, "VENDOR_TIMEOUT_S", DEFAULT_TIMEOUT_S))
    session = requests.Session()
    adapter = TransportAdapter(
        meter=meter,
        before_call=before_call,
        after_call=after_call,
        ca_bundle=ca_bundle,
        max_attempts=max_attempts,
        timeout_s=timeout_s,
    )
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers.update({"User-Agent": "syncadmin/0.1", **(headers or {})})
    return session
