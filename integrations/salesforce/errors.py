"""simple-salesforce's exceptions, translated into syncadmin's named errors.

Each translated error keeps Salesforce's own ``message`` and ``errorCode``
(the ``category``), because the UI and the audit trail show them verbatim.
Credentials never appear: every message is scrubbed of the password, the
security token and the session id before it leaves this module.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any

import requests
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceError,
    SalesforceOperationError,
)

from integrations.http import errors
from integrations.http.transport import UnsafeToRepeat

SIDE = "Salesforce"
REDACTED = "***"


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret replaced, longest first (so password+token goes whole)."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


def error_code(exc: SalesforceError) -> str:
    """Salesforce's ``errorCode`` of a REST error (its body is a list of errors)."""
    first = _error_items(exc.content)[:1]
    return str(first[0].get("errorCode") or "") if first else ""


def _error_items(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, dict):
        content = [content]
    if not isinstance(content, list):
        return []
    return [item for item in content if isinstance(item, dict)]


def _message(content: Any) -> str:
    items = _error_items(content)
    messages = [str(item.get("message")) for item in items if item.get("message")]
    if messages:
        return "; ".join(dict.fromkeys(messages))
    if isinstance(content, bytes):
        content = content.decode("utf-8", "replace")
    return str(content or "no message")[:500]


def translate(exc: Exception, *, secrets: Iterable[str]) -> errors.ApiError:
    """The named error for ``exc``; anything else is returned as a generic ``ApiError``."""
    secrets = list(secrets)
    if isinstance(exc, SalesforceAuthenticationFailed):
        message = html.unescape(exc.auth_message or "Login failed")
        return errors.AuthenticationFailed(
            redact(f"Login failed: {message}", secrets),
            side=SIDE,
            category=str(exc.code or ""),
        )
    if isinstance(exc, SalesforceError):
        status = int(exc.status)
        code = error_code(exc)
        kind: type[errors.ApiError] = errors.ApiError
        if status == 401:
            kind = errors.AuthenticationFailed
        elif status == 404:
            kind = errors.NotFound
        elif status == 429:
            kind = errors.RateLimited
        elif status >= 500:
            kind = errors.ServerError
        return kind(redact(_message(exc.content), secrets), side=SIDE, status=status, category=code)
    if isinstance(exc, SalesforceOperationError):
        # Bulk 2.0: the job failed or was aborted; the text is Salesforce's errorMessage
        return errors.ApiError(redact(str(exc), secrets), side=SIDE, category="BULK_JOB_FAILED")
    if isinstance(exc, UnsafeToRepeat):
        cause = type(exc.__cause__ or exc).__name__
        return errors.OutcomeUnknown(
            f"No answer from Salesforce to a write ({cause}); it may have been applied",
            side=SIDE,
            category=errors.OutcomeUnknown.CODE,
        )
    if isinstance(exc, requests.RequestException):
        return errors.ServerError(
            f"No answer from Salesforce after retries ({type(exc).__name__})", side=SIDE
        )
    return errors.ApiError(redact(str(exc), secrets), side=SIDE)
