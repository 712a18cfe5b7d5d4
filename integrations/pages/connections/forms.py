"""Connection forms: secrets are write-only fields (blank keeps the stored one)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings

from integrations.models import SalesforceConnection

#: the most a Salesforce org allows per day is in the millions; a positive integer column
#: holds 2,147,483,647 on PostgreSQL
DAILY_BUDGET_MAX = 1_000_000_000
#: characters simple-salesforce puts unescaped into its SOAP login body after the password
XML_SPECIAL = "<>&"


def secret_refusal(value: str, *, label: str) -> str:
    """Why ``value`` cannot be a secret ("" when it can). HTTP headers carry tokens as
    Latin-1, so a pasted zero-width space would fail every call later; the message
    names the character and where it is, never the secret."""
    for position, char in enumerate(value, start=1):
        if ord(char) > 0xFF:
            return (
                f"The {label} contains U+{ord(char):04X} at character {position}, which is "
                "not part of a token (often pasted along with it by accident): paste it "
                "again without it. Nothing was saved."
            )
    return ""


class SecretField(forms.CharField):
    """A write-only secret, refused at save when no call could send it."""

    def __init__(self, *, label: str, **kwargs: Any) -> None:
        kwargs.setdefault("widget", SecretInput(attrs={"autocomplete": "off"}))
        super().__init__(label=label, required=False, **kwargs)

    def clean(self, value: Any) -> str:
        cleaned = super().clean(value)
        problem = secret_refusal(cleaned, label=str(self.label).lower())
        if problem:
            raise forms.ValidationError(problem)
        return cleaned


class SecretInput(forms.PasswordInput):
    """Never renders a value back, not even after a failed submit."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(render_value=False, **kwargs)


class HubSpotConnectionForm(forms.Form):
    """Its ids start ``hubspot-`` (the names stay), so the two connection forms on one
    page never share an id and each label points at its own field."""

    base_url = forms.URLField(
        label="API base URL",
        help_text="https://api.hubapi.com for HubSpot itself.",
        assume_scheme="https",
    )
    access_token = SecretField(
        label="Private-app access token",
        strip=True,
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "hubspot-%s")
        super().__init__(*args, **kwargs)


class SalesforceConnectionForm(forms.Form):
    """Its ids start ``salesforce-``, as the HubSpot form's start ``hubspot-``."""

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
    password = SecretField(label="Password", help_text="Leave blank to keep the current password.")
    security_token = SecretField(
        label="Security token", help_text="Leave blank to keep the current token."
    )
    instance_url = forms.URLField(label="Instance URL", required=False, assume_scheme="https")
    access_token = SecretField(
        label="Access token", help_text="Leave blank to keep the current token."
    )
    api_version = forms.RegexField(
        label="API version",
        # ASCII digits only: \d also matches "٥٩"
        regex=r"\A[0-9]{2,3}\.0\Z",
        error_messages={"invalid": "Use the form 59.0."},
    )
    ca_bundle = forms.CharField(
        label="CA bundle file (optional)",
        required=False,
        max_length=500,
        help_text="A PEM file in syncadmin's data folder, for HTTPS inspection proxies.",
    )
    daily_budget = forms.IntegerField(
        label="Daily API calls allocated to syncadmin",
        min_value=1,
        max_value=DAILY_BUDGET_MAX,
        help_text="Jobs wait rather than use more than this per UTC day.",
    )

    def __init__(self, *args: Any, current: SalesforceConnection | None = None, **kwargs: Any):
        kwargs.setdefault("auto_id", "salesforce-%s")
        super().__init__(*args, **kwargs)
        self.current = current

    def clean_security_token(self) -> str:
        token = self.cleaned_data["security_token"]
        if any(char in XML_SPECIAL for char in token):
            raise forms.ValidationError(
                "A security token has only letters and digits; this one contains <, > or &. "
                "Copy it again from the Salesforce email. Nothing was saved."
            )
        return token

    def clean_ca_bundle(self) -> str:
        """Only a file inside the data folder: any other path is refused with the same
        message whether or not it exists, so the form cannot probe the server's files."""
        typed = self.cleaned_data["ca_bundle"].strip()
        if not typed:
            return ""
        data_dir = Path(settings.DATA_DIR).resolve()
        path = Path(typed) if Path(typed).is_absolute() else data_dir / typed
        try:
            resolved = path.resolve()
        except (OSError, ValueError, RuntimeError):
            resolved = None
        if resolved is None or not resolved.is_relative_to(data_dir):
            raise forms.ValidationError(
                f"Put the CA bundle in syncadmin's data folder ({data_dir}) and give its "
                "path there: files elsewhere on the server are not used."
            )
        if not resolved.is_file():
            raise forms.ValidationError(f"There is no file {typed} in the data folder.")
        return str(path)

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
