"""The HubSpot and Salesforce connection settings (one row per side)."""

from __future__ import annotations

from typing import Self

from django.db import models


class SecretField(models.TextField):
    """Holds Fernet ciphertext; ``integrations.secrets`` encrypts and decrypts."""


class ConnectionBase(models.Model):
    """A singleton row per side; the outcome of the last test lives on the row."""

    last_tested_at = models.DateTimeField(null=True, blank=True)
    last_test_ok = models.BooleanField(null=True)
    last_error = models.TextField(blank=True)
    #: set by any call (a job's or a test's) that the vendor refused for authentication or
    #: permission, cleared by the next call it accepts (``integrations.connection_state``)
    auth_failed_at = models.DateTimeField(null=True, blank=True)
    auth_error = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    @classmethod
    def load(cls) -> Self:
        """The one row of this connection, created blank on first use."""
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj


class HubSpotConnection(ConnectionBase):
    DEFAULT_BASE_URL = "https://api.hubapi.com"

    base_url = models.URLField(default=DEFAULT_BASE_URL)
    access_token = SecretField(blank=True)
    access_token_set_at = models.DateTimeField(null=True, blank=True)
    access_token_set_by = models.CharField(max_length=150, blank=True)
    #: read from the account when the connection is tested
    portal_id = models.CharField(max_length=20, blank=True)
    #: the portal's web app host (``app-eu1.hubspot.com`` for an EU portal), read with it
    ui_domain = models.CharField(max_length=100, blank=True)
    #: what a test of the connection learns about the portal: a new token or address may
    #: reach another one, so a save that changes them forgets these until the next test
    LEARNT_BY_TEST = ("portal_id", "ui_domain")
    #: HubSpot Professional/Enterprise: 190 per rolling 10 s (HubSpot's API usage limits)
    ten_second_limit = models.PositiveIntegerField(default=190)
    search_per_second = models.PositiveIntegerField(default=5)

    def __str__(self) -> str:
        return f"HubSpot {self.portal_id or self.base_url}"

    @property
    def is_configured(self) -> bool:
        return bool(self.access_token and self.base_url)


class SalesforceConnection(ConnectionBase):
    #: the instance URL a login learns lives with the session, forgotten on every save
    LEARNT_BY_TEST: tuple[str, ...] = ()

    class AuthMode(models.TextChoices):
        PASSWORD = "password", "Username, password and security token"
        TOKEN = "token", "Access token and instance URL"

    DEFAULT_LOGIN_URL = "https://login.salesforce.com"

    auth_mode = models.CharField(max_length=10, choices=AuthMode.choices, default=AuthMode.PASSWORD)
    login_url = models.URLField(default=DEFAULT_LOGIN_URL)
    username = models.CharField(max_length=255, blank=True)
    password = SecretField(blank=True)
    password_set_at = models.DateTimeField(null=True, blank=True)
    password_set_by = models.CharField(max_length=150, blank=True)
    security_token = SecretField(blank=True)
    security_token_set_at = models.DateTimeField(null=True, blank=True)
    security_token_set_by = models.CharField(max_length=150, blank=True)
    access_token = SecretField(blank=True)
    access_token_set_at = models.DateTimeField(null=True, blank=True)
    access_token_set_by = models.CharField(max_length=150, blank=True)
    instance_url = models.URLField(blank=True)
    api_version = models.CharField(max_length=8, default="59.0")
    #: a CA bundle file for HTTPS inspection proxies (or the sandbox's local CA)
    ca_bundle = models.CharField(max_length=500, blank=True)
    #: calls per UTC day "allocated to syncadmin"; jobs wait rather than pass it
    daily_budget = models.PositiveIntegerField(default=5000)
    org_id = models.CharField(max_length=18, blank=True)
    org_name = models.CharField(max_length=255, blank=True)
    integration_user_id = models.CharField(max_length=18, blank=True)
    integration_user_name = models.CharField(max_length=255, blank=True)
    integration_user_email = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return f"Salesforce {self.org_id or self.login_url}"

    @property
    def is_configured(self) -> bool:
        if self.auth_mode == self.AuthMode.TOKEN:
            return bool(self.access_token and self.instance_url)
        return bool(self.username and self.password and self.login_url)
