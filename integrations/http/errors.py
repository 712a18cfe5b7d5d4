"""Errors the HubSpot and Salesforce clients raise, each carrying the vendor's own words.

Transient failures (429, 5xx, dropped connections) are retried in the transport
and only surface here when retries are exhausted. Everything else is permanent
and raised at once. Messages never contain credentials.
"""

from __future__ import annotations

from datetime import datetime

from core.services.job_runtime import JobMustWait


class ApiError(Exception):
    """A vendor API refused a request.

    ``category`` is the vendor's own code: HubSpot's ``category`` (e.g.
    ``VALIDATION_ERROR``) or Salesforce's ``errorCode`` (e.g. ``DUPLICATE_VALUE``).
    """

    def __init__(
        self,
        message: str,
        *,
        side: str,
        status: int | None = None,
        category: str = "",
        correlation_id: str = "",
    ) -> None:
        Exception.__init__(self, message)
        self.message = message
        self.side = side
        self.status = status
        self.category = category
        self.correlation_id = correlation_id

    def __str__(self) -> str:
        code = f" [{self.category}]" if self.category else ""
        status = f" (HTTP {self.status})" if self.status else ""
        return f"{self.side}{status}{code}: {self.message}"


class AuthenticationFailed(ApiError):
    """Bad or expired credentials, or a token without the needed scopes."""


class NotFound(ApiError):
    pass


class Conflict(ApiError):
    """E.g. HubSpot 409: a contact with that email already exists."""


class RateLimited(ApiError):
    """Still rate-limited after every retry the transport allows."""


class ServerError(ApiError):
    """5xx or connection failures, after retries."""


class OutcomeUnknown(ServerError):
    """A write was sent but its answer never came (timeout, dropped connection, 5xx):
    it may have been applied. Never repeat it blind; look the record up first."""

    CODE = "OUTCOME_UNKNOWN"


class BudgetExhausted(ApiError, JobMustWait):
    """syncadmin's daily Salesforce API allocation is spent: the job waits for the next day."""

    def __init__(self, message: str, *, resume_at: datetime) -> None:
        ApiError.__init__(self, message, side="Salesforce", category="API_BUDGET")
        self.reason = message
        self.resume_at = resume_at
