"""A connection's state follows what the vendor last answered.

Any call through a client built by ``integrations.connections`` (a job's, a
connection test's, a page's preview) reports its answer here:

- a refusal for **authentication** (HubSpot 401; Salesforce ``INVALID_LOGIN`` at
  login, ``INVALID_SESSION_ID`` once the re-login also failed, an expired token)
  or **permission** (HubSpot 403 ``MISSING_SCOPES``; Salesforce 403
  ``INSUFFICIENT_ACCESS``, ``API_DISABLED_FOR_ORG`` ..., but never 403
  ``REQUEST_LIMIT_EXCEEDED``, the org's daily limit) sets the side's
  ``auth_failed_at`` / ``auth_error``;
- the next call the vendor accepts clears them. A permission refusal names the
  call it refused (``Refused call: POST /crm/v3/lists/search``) and only a success
  of that same call clears it, since other calls of a token short of one scope
  keep working; a successful Test connection clears either kind. While a refusal is
  recorded, another permission refusal leaves it as it is (every worker then waits for
  the same call), and an authentication refusal replaces it.

Each transition writes one audit event (``connection.auth_failed`` /
``connection.auth_restored``), claimed with ``UPDATE ... WHERE`` so two workers
never both record it. Successful calls stay cheap: the "currently fine" fact is
remembered in the process for ``RECHECK_S`` seconds, so a job's thousands of calls
read the row a handful of times and write it only on a transition. Recording the
state never breaks the call it watches: a database error is logged and the
vendor's answer goes back to the caller.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime

from django.db import DatabaseError, transaction
from django.utils import timezone

from core.services.audit import audit_record
from integrations.http.errors import ApiError
from integrations.models import HubSpotConnection, SalesforceConnection

log = logging.getLogger(__name__)

HUBSPOT, SALESFORCE = "HubSpot", "Salesforce"
AUTHENTICATION, PERMISSION = "authentication", "permission"
MODELS: dict[str, type[HubSpotConnection] | type[SalesforceConnection]] = {
    HUBSPOT: HubSpotConnection,
    SALESFORCE: SalesforceConnection,
}
#: how long a process trusts what it last read of a side's state before reading it again
RECHECK_S = 5.0
#: Salesforce 403 codes that are the org's limits, not the user's permissions
SALESFORCE_LIMIT_CODES = frozenset({"REQUEST_LIMIT_EXCEEDED", "TOO_MANY_REQUESTS"})
#: login faults that say the user may not use the API at all (a permission, not a password)
SALESFORCE_PERMISSION_LOGIN_CODES = frozenset({"API_DISABLED_FOR_ORG", "API_CURRENTLY_DISABLED"})
REFUSED_CALL = "\nRefused call: "

_lock = threading.Lock()
#: side -> (monotonic time read, the side's auth_error then: "" when it was fine)
_known: dict[str, tuple[float, str]] = {}


def refusal_kind(error: ApiError) -> str | None:
    """``AUTHENTICATION``, ``PERMISSION``, or None for a refusal that says nothing about
    the credentials (a bad value, a rate limit, an outage)."""
    status, category = error.status, (error.category or "").upper()
    if error.side == HUBSPOT:
        if status == 401:
            return AUTHENTICATION
        return PERMISSION if status == 403 else None
    if status == 401:
        return AUTHENTICATION
    if status == 403:
        return None if category in SALESFORCE_LIMIT_CODES else PERMISSION
    if status is None and type(error).__name__ == "AuthenticationFailed":
        # a SOAP login fault (INVALID_LOGIN, PASSWORD_LOCKOUT, ...): it has no REST status
        return PERMISSION if category in SALESFORCE_PERMISSION_LOGIN_CODES else AUTHENTICATION
    return None


def refused_call_of(auth_error: str) -> str:
    """The call a permission refusal named (blank for an authentication refusal)."""
    _, found, operation = auth_error.rpartition(REFUSED_CALL)
    return operation.strip() if found else ""


def _remember(side: str, auth_error: str) -> None:
    with _lock:
        _known[side] = (time.monotonic(), auth_error)


def connection_state_forget() -> None:
    """Drop what this process remembers: the next call reads the rows again."""
    with _lock:
        _known.clear()


def _clears(auth_error: str, operation: str | None) -> bool:
    refused = refused_call_of(auth_error)
    return not refused or operation is None or operation == refused


def connection_call_accepted(*, side: str, operation: str | None = None) -> None:
    """The vendor accepted a call (``operation`` None: a whole connection test passed)."""
    with _lock:
        known = _known.get(side)
    fresh = known is not None and time.monotonic() - known[0] < RECHECK_S
    if fresh and (not known[1] or not _clears(known[1], operation)):
        return  # fine a moment ago, or a refusal this call does not disprove
    try:
        # read outside a transaction: on SQLite every transaction takes the write lock,
        # and the answer is almost always "still fine", which needs no write at all
        row = MODELS[side].objects.filter(pk=1).values("auth_failed_at", "auth_error").first()
        if row is None or row["auth_failed_at"] is None:
            _remember(side, "")
            return
        if not _clears(row["auth_error"], operation):
            _remember(side, row["auth_error"])
            return
        with transaction.atomic():
            _clear(side, row)
    except DatabaseError:
        log.warning("could not clear the %s connection's auth state", side, exc_info=True)


def _clear(side: str, row: dict) -> None:
    """Clear the refusal read as ``row``, unless another worker cleared it first."""
    model = MODELS[side]
    claimed = model.objects.filter(pk=1, auth_failed_at=row["auth_failed_at"]).update(
        auth_failed_at=None, auth_error=""
    )
    _remember(side, "")
    if claimed:
        audit_record(
            action="connection.auth_restored",
            object_type="connection",
            object_label=f"{side} connection",
            message=f"{side} accepts syncadmin's calls again (refused since "
            f"{timezone.localtime(row['auth_failed_at']):%Y-%m-%d %H:%M:%S}).",
        )


def connection_call_refused(*, side: str, error: ApiError, operation: str = "") -> None:
    """The vendor refused a call; only authentication and permission refusals count."""
    kind = refusal_kind(error)
    if kind is None:
        return
    text = str(error)
    if kind == PERMISSION and operation:
        text += f"{REFUSED_CALL}{operation}"
    try:
        with transaction.atomic():
            _set(side, kind, error, text)
    except DatabaseError:
        log.warning("could not record the %s connection's auth failure", side, exc_info=True)


def _set(side: str, kind: str, error: ApiError, text: str) -> None:
    model = MODELS[side]
    claimed = model.objects.filter(pk=1, auth_failed_at__isnull=True).update(
        auth_failed_at=timezone.now(), auth_error=text
    )
    if claimed:
        audit_record(
            action="connection.auth_failed",
            object_type="connection",
            object_label=f"{side} connection",
            status="failed",
            error_category=error.category or kind,
            message=f"{side} refused a call for {kind}: {text}",
        )
    elif kind == AUTHENTICATION:
        model.objects.filter(pk=1).exclude(auth_error=text).update(auth_error=text)
    else:
        # The refusal recorded first stands, and this process remembers that one, not its
        # own: two workers refused two different calls (say each described another object)
        # must agree on which success clears the state.
        text = model.objects.filter(pk=1).values_list("auth_error", flat=True).first() or text
    _remember(side, text)


class CallWatch:
    """What a client calls with each answer: ``watch(None, op)`` accepted, ``watch(error, op)``
    refused. ``integrations.connections`` hands one to every client it builds."""

    def __init__(self, side: str) -> None:
        self.side = side

    def __call__(self, error: ApiError | None, operation: str) -> None:
        if error is None:
            connection_call_accepted(side=self.side, operation=operation)
        else:
            connection_call_refused(side=self.side, error=error, operation=operation)


# --- what the pages show ----------------------------------------------------------------


@dataclass(frozen=True)
class ConnectionAlert:
    side: str
    kind: str
    since: datetime
    error: str
    refused_call: str
    title: str
    badge: str
    what_to_do: str


def _kind_of(row: HubSpotConnection | SalesforceConnection) -> str:
    """A permission refusal is stored with the call it refused (or, without one, its 403)."""
    if refused_call_of(row.auth_error) or "(HTTP 403)" in row.auth_error:
        return PERMISSION
    return AUTHENTICATION


def _what_to_do(side: str, kind: str, row: HubSpotConnection | SalesforceConnection) -> str:
    if side == HUBSPOT and kind == AUTHENTICATION:
        return (
            "Copy the private app's current access token in HubSpot (Settings → Integrations → "
            "Private apps), save it on Connections, then press Test connection."
        )
    if side == HUBSPOT:
        return (
            "Add the scopes the message names to the private app in HubSpot (Settings → "
            "Integrations → Private apps → Scopes); the state clears when HubSpot accepts the "
            "refused call (the next sync makes it)."
        )
    if kind == PERMISSION:
        return (
            "Give the integration user the permission in Salesforce Setup (its profile or a "
            "permission set: API Enabled, access to the objects); the state clears when "
            "Salesforce accepts the refused call (the next sync makes it)."
        )
    if getattr(row, "auth_mode", "") == SalesforceConnection.AuthMode.TOKEN:
        return "Paste a fresh access token on Connections, then press Test connection."
    return (
        "Update the integration user's password and security token on Connections (a password "
        "reset in Salesforce also sends a new security token), then press Test connection."
    )


def connection_alert(row: HubSpotConnection | SalesforceConnection) -> ConnectionAlert | None:
    """What to tell an admin about ``row``'s refused calls (None while they are accepted)."""
    if row.auth_failed_at is None:
        return None
    side = SALESFORCE if isinstance(row, SalesforceConnection) else HUBSPOT
    kind = _kind_of(row)
    error, _, _ = row.auth_error.partition(REFUSED_CALL)
    by_token = side == HUBSPOT or row.auth_mode == SalesforceConnection.AuthMode.TOKEN
    if kind == PERMISSION:
        title, badge = f"{side} refused a call for lack of permission", "Permission refused"
    elif by_token:
        title, badge = f"{side} refused the access token", "Token refused"
    else:
        title, badge = f"{side} refused the login", "Login refused"
    return ConnectionAlert(
        side=side,
        kind=kind,
        since=row.auth_failed_at,
        error=error,
        refused_call=refused_call_of(row.auth_error),
        title=title,
        badge=badge,
        what_to_do=_what_to_do(side, kind, row),
    )


def connection_alert_list() -> list[ConnectionAlert]:
    """Both sides' alerts, HubSpot first; two single-row reads."""
    rows = [HubSpotConnection.objects.filter(pk=1).first()]
    rows.append(SalesforceConnection.objects.filter(pk=1).first())
    return [alert for row in rows if row is not None for alert in [connection_alert(row)] if alert]
