"""What syncadmin keeps of Salesforce between runs, so a run that finds nothing to do
spends no call on logging in or describing (``docs/salesforce-calls.md``).

Both are caches: dropping either costs a call, never data.
"""

from __future__ import annotations

from django.db import models

from integrations.models.connections import SecretField


class SalesforceSession(models.Model):
    """The session of the last username/password login, shared by every worker process.

    ``session_id`` is encrypted at rest like every other secret. ``credentials`` is a
    fingerprint of the connection's login URL, username and the *ciphertexts* of its
    password and security token (never the secrets): a session logged in with other
    credentials is never reused, even if a hook to drop it was missed.
    """

    session_id = SecretField()
    instance_url = models.URLField(max_length=500)
    credentials = models.CharField(max_length=64)
    obtained_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Salesforce session on {self.instance_url} from {self.obtained_at:%Y-%m-%d %H:%M}"


class SalesforceDescribe(models.Model):
    """One object's describe, cut to what the product reads (fields, flags, picklists)."""

    object_type = models.CharField(max_length=80, unique=True)
    describe = models.JSONField()
    fetched_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.object_type} describe from {self.fetched_at:%Y-%m-%d %H:%M}"
