"""Saving the Alerts page: channels and rules, every change audited, the webhook secret
encrypted and never written anywhere else."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from alerts.models import AlertChannel, AlertRules
from alerts.services.senders import url_shown
from core.services.audit import audit_settings_change
from integrations.secrets import encrypt

CHANNEL_FIELDS = ("name", "kind", "enabled", "recipients", "url")
CHANNEL_SECRETS = ("secret",)
RULE_FIELDS = (
    "job_failed",
    "error_new_category",
    "error_growth",
    "error_growth_threshold",
    "auth_failed",
    "budget",
    "list_paused",
    "reconcile",
)


def _snapshot(channel: AlertChannel) -> dict[str, Any]:
    """What the audit compares: the URL as the pages show it, the secret as its ciphertext
    (which the audit masks)."""
    values = {name: getattr(channel, name) for name in (*CHANNEL_FIELDS, *CHANNEL_SECRETS)}
    values["url"] = url_shown(channel.url)
    return values


def _who(actor: AbstractBaseUser | None) -> str:
    return actor.get_username() if actor is not None and actor.is_authenticated else "system"


def _audit(actor: AbstractBaseUser | None, label: str, before: dict, after: dict) -> None:
    audit_settings_change(
        actor=actor,
        object_type="alert_channel",
        object_label=label,
        before=before,
        after=after,
        secret_fields=CHANNEL_SECRETS,
    )


@transaction.atomic
def channel_save(
    *, actor: AbstractBaseUser | None, values: dict[str, Any], channel: AlertChannel | None = None
) -> AlertChannel:
    """Create (``channel`` None) or change a channel from a valid ``ChannelForm``'s data."""
    row = channel or AlertChannel()
    before = _snapshot(row) if channel is not None else {}
    for name in CHANNEL_FIELDS:
        if name in values and not (channel is not None and name == "kind"):
            setattr(row, name, values[name])
    if row.kind == AlertChannel.Kind.EMAIL:
        row.secret, row.secret_set_at, row.secret_set_by = "", None, ""
    elif values.get("secret"):  # blank keeps the stored secret
        row.secret = encrypt(values["secret"])
        row.secret_set_at, row.secret_set_by = timezone.now(), _who(actor)
    row.save()
    _audit(actor, f"Alert channel {row.name}", before, _snapshot(row))
    return row


@transaction.atomic
def channel_delete(*, actor: AbstractBaseUser | None, channel: AlertChannel) -> None:
    """Remove a channel; its deliveries stay in the log under its name."""
    before = _snapshot(channel)
    label = f"Alert channel {channel.name} (deleted)"
    channel.delete()
    _audit(actor, label, before, {})


@transaction.atomic
def alert_rules_update(*, actor: AbstractBaseUser | None, values: dict[str, Any]) -> AlertRules:
    rules = AlertRules.load()
    before = {name: getattr(rules, name) for name in RULE_FIELDS}
    for name in RULE_FIELDS:
        setattr(rules, name, values[name])
    rules.save()
    audit_settings_change(
        actor=actor,
        object_type="alert_rules",
        object_label="Alert rules",
        before=before,
        after={name: getattr(rules, name) for name in RULE_FIELDS},
    )
    return rules
