"""Connection forms: secrets are write-only fields (blank keeps the stored one)."""

from __future__ import annotations

from typing import Any

from django import forms

from integrations.models import SalesforceConnection


class SecretInput(forms.PasswordInput):
    """Never renders a value back, not even after a failed submit."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(render_value=False, **kwargs)


class HubSpotConnectionForm(forms.Form):
    base_url = forms.URLField(
        label="API base URL",
        help_text="https://api.hubapi.com for HubSpot itself.",
        assume_scheme="https",
    )
    access_token = forms.CharField(
        label="Private-app access token",
        required=False,
        strip=True,
        widget=SecretInput(attrs={"autocomplete": "off"}),
        help_text="Leave blank to keep the current token.",
    )
    ten_second_limit = forms.IntegerField(
        label="Requests per 10 seconds",
        min_value=1,
        max_value=1000,
        help_text="Your HubSpot tier's limit: 100 (Free/Starter) or 190 (Professional/Enterprise).",
    )
    search_per_second = forms.IntegerField(
        label="Search requests per second", min_value=1, max_value=5
    )


class SalesforceConnectionForm(forms.Form):
    auth_mode = forms.ChoiceField(
        label="Sign in with", choices=SalesforceConnection.AuthMode.choices
    )
    login_url = forms.URLField(
        label="Login URL",
        required=False,
        assume_scheme="https",
        help_text="https://login.salesforce.com, https://test.salesforce.com or your My Domain.",
    )
    username = forms.CharField(label="Integration user's username", required=False, max_length=255)
    password = forms.CharField(
        label="Password",
        required=False,
        widget=SecretInput(attrs={"autocomplete": "off"}),
        help_text="Leave blank to keep the current password.",
    )
    security_token = forms.CharField(
        label="Security token",
        required=False,
        widget=SecretInput(attrs={"autocomplete": "off"}),
        help_text="Leave blank to keep the current token.",
    )
    instance_url = forms.URLField(label="Instance URL", required=False, assume_scheme="https")
    access_token = forms.CharField(
        label="Access token",
        required=False,
        widget=SecretInput(attrs={"autocomplete": "off"}),
        help_text="Leave blank to keep the current token.",
    )
    api_version = forms.RegexField(
        label="API version",
        regex=r"^\d{2,3}\.0$",
        error_messages={"invalid": "Use the form 59.0."},
    )
    ca_bundle = forms.CharField(
        label="CA bundle file (optional)",
        required=False,
        max_length=500,
        help_text="Path on the server to a PEM file, for HTTPS inspection proxies.",
    )
    daily_budget = forms.IntegerField(
        label="Daily API calls allocated to syncadmin",
        min_value=1,
        help_text="Jobs wait rather than use more than this per UTC day.",
    )

    def __init__(self, *args: Any, current: SalesforceConnection | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.current = current

    def clean_ca_bundle(self) -> str:
        from pathlib import Path

        path = self.cleaned_data["ca_bundle"].strip()
        if path and not Path(path).is_file():
            raise forms.ValidationError(f"There is no file at {path} on the server.")
        return path

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        current = self.current
        if data.get("auth_mode") == SalesforceConnection.AuthMode.TOKEN:
            if not data.get("instance_url"):
                self.add_error("instance_url", "The instance URL is required with an access token.")
            if not data.get("access_token") and not (current and current.access_token):
                self.add_error("access_token", "Enter the access token.")
        elif data.get("auth_mode") == SalesforceConnection.AuthMode.PASSWORD:
            for name in ("login_url", "username"):
                if not data.get(name):
                    self.add_error(name, "Required when signing in with a username.")
            if not data.get("password") and not (current and current.password):
                self.add_error("password", "Enter the password.")
        return data
