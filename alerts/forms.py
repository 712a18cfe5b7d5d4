"""Alerts page forms: every bad value gets a message saying what to enter instead."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email

from alerts.models import ERROR_GROWTH_MAX, ERROR_GROWTH_MIN, AlertChannel
from integrations.pages.connections.forms import SecretInput

#: one email channel is a team's list, not a mailing list
MAX_RECIPIENTS = 50
SECRET_MIN_CHARS = 16
_SEPARATORS = re.compile(r"[\s,;]+")


def parse_recipients(value: str) -> list[str]:
    """Addresses separated by commas, semicolons, spaces or lines; bad ones named."""
    addresses = [a for a in _SEPARATORS.split(value.strip()) if a]
    if not addresses:
        raise ValidationError("Enter at least one email address.")
    bad = []
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            bad.append(address)
    if bad:
        names = ", ".join(f"“{a}”" for a in bad[:5])
        raise ValidationError(
            f"Not valid email address{'es' if len(bad) > 1 else ''}: {names}. "
            "Enter addresses like ops@example.com."
        )
    if len(addresses) > MAX_RECIPIENTS:
        raise ValidationError(f"At most {MAX_RECIPIENTS} addresses per channel.")
    return list(dict.fromkeys(a.lower() for a in addresses))


class ChannelForm(forms.Form):
    """Adding a channel (``current`` None) or changing one. The secret is write-only:
    blank keeps the stored one."""

    name = forms.CharField(label="Name", max_length=100, strip=True)
    kind = forms.ChoiceField(label="Type", choices=AlertChannel.Kind.choices)
    enabled = forms.BooleanField(label="On", required=False, initial=True)
    recipients = forms.CharField(
        label="Recipients (email)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Email addresses, separated by commas or one a line.",
    )
    url = forms.CharField(
        label="Webhook URL",
        required=False,
        max_length=500,
        strip=True,
        help_text="Receives a JSON POST; Slack incoming webhooks work as they are.",
    )
    secret = forms.CharField(
        label="Signing secret",
        required=False,
        max_length=500,
        widget=SecretInput(attrs={"autocomplete": "off"}),
        help_text=f"At least {SECRET_MIN_CHARS} characters: the key of the "
        "X-Syncadmin-Signature header. Never shown again after saving.",
    )

    def __init__(self, *args: Any, current: AlertChannel | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.current = current
        if current is not None:
            self.fields["kind"].disabled = True
            self.fields["secret"].help_text = "Leave blank to keep the current secret."

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        others = AlertChannel.objects.filter(name__iexact=name)
        if self.current is not None:
            others = others.exclude(pk=self.current.pk)
        if others.exists():
            raise ValidationError(f"A channel named “{name}” exists already: pick another name.")
        return name

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind = data.get("kind")
        if kind == AlertChannel.Kind.EMAIL:
            try:
                data["recipients"] = "\n".join(parse_recipients(data.get("recipients", "")))
            except ValidationError as exc:
                self.add_error("recipients", exc)
            data["url"], data["secret"] = "", ""
        elif kind == AlertChannel.Kind.WEBHOOK:
            url = data.get("url", "")
            try:
                URLValidator(schemes=["http", "https"])(url)
                urlsplit(url).port  # noqa: B018  (raises on a port above 65535)
            except (ValidationError, ValueError):
                self.add_error(
                    "url",
                    "Enter a full http:// or https:// address, like "
                    "https://hooks.slack.com/services/….",
                )
            secret = data.get("secret", "")
            has_secret = self.current is not None and bool(self.current.secret)
            if secret and len(secret) < SECRET_MIN_CHARS:
                self.add_error("secret", f"Use at least {SECRET_MIN_CHARS} characters.")
            elif not secret and not has_secret:
                self.add_error("secret", "Enter a signing secret (receivers verify with it).")
            data["recipients"] = ""
        return data


class RulesForm(forms.Form):
    job_failed = forms.BooleanField(
        required=False, label="A job failed or partially failed (not Reconcile)"
    )
    error_new_category = forms.BooleanField(
        required=False, label="A new category of error appears in Sync health"
    )
    error_growth = forms.BooleanField(
        required=False, label="Open errors grow by more than N in an hour"
    )
    error_growth_threshold = forms.IntegerField(
        label="N (new open errors in an hour)",
        min_value=ERROR_GROWTH_MIN,
        max_value=ERROR_GROWTH_MAX,
        error_messages={
            "required": "Enter N, a whole number.",
            "invalid": "N must be a whole number, like 50.",
            "min_value": f"N must be at least {ERROR_GROWTH_MIN}.",
            "max_value": f"N must be at most {ERROR_GROWTH_MAX:,}.",
        },
    )
    auth_failed = forms.BooleanField(required=False, label="A connection's authentication fails")
    budget = forms.BooleanField(
        required=False,
        label="Salesforce API use passes 80% and 100% of syncadmin's daily allocation",
    )
    list_paused = forms.BooleanField(required=False, label="The inclusion list is paused")
    reconcile = forms.BooleanField(
        required=False, label="Reconcile finds anything (or cannot finish)"
    )
