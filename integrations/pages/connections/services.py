"""Connection settings: saving them (audited, secrets encrypted), pointing them at the
sandbox, and testing both sides (clients are built in ``integrations.connections``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from core.services.audit import audit_record, audit_settings_change
from integrations import connection_state
from integrations.connections import hubspot_client, salesforce_caches_forget, salesforce_client
from integrations.http import budget
from integrations.http.errors import ApiError, AuthenticationFailed
from integrations.models import HubSpotConnection, SalesforceConnection
from integrations.record_urls import hubspot_ui_domain
from integrations.secrets import encrypt

HUBSPOT_SECRETS = ("access_token",)
SALESFORCE_SECRETS = ("password", "security_token", "access_token")
HUBSPOT_FIELDS = ("base_url", "ten_second_limit", "search_per_second")
SALESFORCE_FIELDS = (
    "auth_mode",
    "login_url",
    "username",
    "instance_url",
    "api_version",
    "ca_bundle",
    "daily_budget",
)


def _snapshot(row: Any, fields: tuple[str, ...], secrets: tuple[str, ...]) -> dict[str, Any]:
    """What the audit compares: plain fields, and *whether* each secret is set (its
    ciphertext, which changes whenever the secret is replaced, never the value)."""
    return {**{f: getattr(row, f) for f in fields}, **{s: getattr(row, s) for s in secrets}}


def _apply(
    row: Any,
    *,
    actor: AbstractBaseUser | None,
    values: dict[str, Any],
    fields: tuple[str, ...],
    secrets: tuple[str, ...],
) -> None:
    for name in fields:
        if name in values:
            setattr(row, name, values[name])
    now = timezone.now()
    who = actor.get_username() if actor is not None and actor.is_authenticated else "system"
    for name in secrets:
        new = values.get(name)
        if new:  # blank means "keep the current secret"
            setattr(row, name, encrypt(new))
            setattr(row, f"{name}_set_at", now)
            setattr(row, f"{name}_set_by", who)


#: settings that do not change whom syncadmin talks to or as whom
_NOT_REACH = ("ten_second_limit", "search_per_second", "daily_budget", "ca_bundle")


def _reach(snapshot: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in snapshot.items() if name not in _NOT_REACH}


def _untested_after_change(row: Any, before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """New credentials or a new address are not known to work: the page says "Not tested
    yet" (or the refusal a call meets) until a call succeeds, never the old "Working"."""
    if before == after or row.last_test_ok is None:
        return []
    row.last_test_ok = None
    return ["last_test_ok"]


@transaction.atomic
def _connection_update(
    model: type[HubSpotConnection] | type[SalesforceConnection],
    *,
    actor: AbstractBaseUser | None,
    values: dict[str, Any],
    fields: tuple[str, ...],
    secrets: tuple[str, ...],
    label: str,
) -> Any:
    row = model.load()
    before = _snapshot(row, fields, secrets)
    _apply(row, actor=actor, values=values, fields=fields, secrets=secrets)
    after = _snapshot(row, fields, secrets)
    changed = [name for name in after if after[name] != before[name]]
    stamps = [
        f"{name}_{part}" for name in secrets if name in changed for part in ("set_at", "set_by")
    ]
    untested = _untested_after_change(row, _reach(before), _reach(after))
    forgotten = [] if _reach(before) == _reach(after) else list(model.LEARNT_BY_TEST)
    for name in forgotten:
        setattr(row, name, "")
    # only what this save changed: a worker may be recording the auth state meanwhile
    row.save(update_fields=[*changed, *stamps, *untested, *forgotten, "updated_at"])
    audit_settings_change(
        actor=actor,
        object_type="connection",
        object_label=label,
        before=before,
        after=after,
        secret_fields=secrets,
    )
    return row


def hubspot_connection_update(
    *, actor: AbstractBaseUser | None, values: dict[str, Any]
) -> HubSpotConnection:
    return _connection_update(
        HubSpotConnection,
        actor=actor,
        values=values,
        fields=HUBSPOT_FIELDS,
        secrets=HUBSPOT_SECRETS,
        label="HubSpot connection",
    )


@transaction.atomic
def salesforce_connection_update(
    *, actor: AbstractBaseUser | None, values: dict[str, Any]
) -> SalesforceConnection:
    row = _connection_update(
        SalesforceConnection,
        actor=actor,
        values=values,
        fields=SALESFORCE_FIELDS,
        secrets=SALESFORCE_SECRETS,
        label="Salesforce connection",
    )
    salesforce_caches_forget()  # whatever changed, the next call proves the saved settings
    return row


def connections_use_sandbox(*, info: dict[str, Any], actor: AbstractBaseUser | None = None) -> None:
    """Point both connections at the sandbox emulators (``sandbox --info-file`` JSON)."""
    hubspot, salesforce = info["hubspot"], info["salesforce"]
    hubspot_connection_update(
        actor=actor,
        values={"base_url": hubspot["base_url"], "access_token": hubspot["access_token"]},
    )
    salesforce_connection_update(
        actor=actor,
        values={
            "auth_mode": SalesforceConnection.AuthMode.PASSWORD,
            "login_url": salesforce["login_url"],
            "username": salesforce["username"],
            "password": salesforce["password"],
            "security_token": salesforce["security_token"],
            "api_version": salesforce["api_version"],
            "ca_bundle": salesforce.get("ca_bundle", ""),
            "instance_url": "",
        },
    )


# --- testing ------------------------------------------------------------------------------


@dataclass
class SideResult:
    ok: bool
    error: str = ""
    category: str = ""
    details: dict[str, str] = field(default_factory=dict)


@dataclass
class ConnectionTestResult:
    hubspot: SideResult
    salesforce: SideResult

    @property
    def ok(self) -> bool:
        return self.hubspot.ok and self.salesforce.ok


def _failure(exc: Exception) -> SideResult:
    category = "authentication" if isinstance(exc, AuthenticationFailed) else "connection"
    return SideResult(ok=False, error=str(exc), category=category)


_TESTED = ["last_tested_at", "last_test_ok", "last_error", "updated_at"]


def _tested(row: Any, result: SideResult, side: str, details: list[str]) -> SideResult:
    """Keep the outcome on the row (only these fields: the call just recorded the auth
    state on it); a side that passed its test is no longer refused."""
    row.last_tested_at, row.last_test_ok, row.last_error = timezone.now(), result.ok, result.error
    row.save(update_fields=[*_TESTED, *(details if result.ok else [])])
    if result.ok:
        connection_state.connection_call_accepted(side=side)
    return result


def _test_hubspot() -> SideResult:
    row = HubSpotConnection.load()
    try:
        account = hubspot_client().account_details()
    except (ApiError, OSError) as exc:
        result = _failure(exc)
    else:
        row.portal_id = str(account.get("portalId", ""))
        row.ui_domain = hubspot_ui_domain(account.get("uiDomain"))
        web_app = row.ui_domain or "app.hubspot.com"
        result = SideResult(ok=True, details={"Portal id": row.portal_id, "Web app": web_app})
    return _tested(row, result, connection_state.HUBSPOT, list(HubSpotConnection.LEARNT_BY_TEST))


def _test_salesforce() -> SideResult:
    row = SalesforceConnection.load()
    salesforce_caches_forget()  # a test proves the credentials: a fresh login, fresh describes
    try:
        client = salesforce_client()
        identity = client.identity()
        limits = client.limits()
    except (ApiError, OSError) as exc:
        result = _failure(exc)
    else:
        row.org_id = identity.get("org_id", "")
        row.org_name = identity.get("org_name", "")
        row.integration_user_id = identity.get("user_id", "")
        row.integration_user_name = identity.get("user_name", "")
        row.integration_user_email = identity.get("user_email", "")
        used = budget.budget_today(side=budget.SALESFORCE)
        result = SideResult(
            ok=True,
            details={
                "Org id": row.org_id,
                "Integration user": f"{row.integration_user_name} <{row.integration_user_email}>",
                "syncadmin API calls today": f"{used.calls} of {row.daily_budget}",
                "Org API usage today": f"{limits.get('used', '?')} of {limits.get('max', '?')}",
            },
        )
    identity_fields = [
        "org_id",
        "org_name",
        "integration_user_id",
        "integration_user_name",
        "integration_user_email",
    ]
    return _tested(row, result, connection_state.SALESFORCE, identity_fields)


def connections_test(*, actor: AbstractBaseUser | None = None) -> ConnectionTestResult:
    """Check both sides; the outcome lands on each row and in the audit trail."""
    connection_state.connection_state_forget()  # read the state other processes recorded
    result = ConnectionTestResult(hubspot=_test_hubspot(), salesforce=_test_salesforce())
    for side, outcome in (("HubSpot", result.hubspot), ("Salesforce", result.salesforce)):
        audit_record(
            action="connection.tested",
            object_type="connection",
            object_label=f"{side} connection",
            actor=actor,
            status="ok" if outcome.ok else "failed",
            error_category=outcome.category,
            message="Connection works." if outcome.ok else outcome.error,
        )
    return result
