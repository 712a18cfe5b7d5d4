"""The Salesforce session kept between runs and worker processes.

A username/password connection logs in once (SOAP ``login()``) and every later run,
in any worker, reuses that session until Salesforce refuses it
(``INVALID_SESSION_ID``): the client then logs in once more and keeps the new one.
The session id is encrypted at rest (``integrations.secrets``) and never leaves this
module in clear except to the client that sends it.

Dropped when the connection is saved, when Test connection runs (it must prove the
credentials), and when a login or a fresh session is refused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

from django.utils import timezone

from integrations.models import SalesforceConnection, SalesforceSession
from integrations.salesforce.caching import StoredSession
from integrations.secrets import SecretUnreadable, decrypt, encrypt

SINGLETON = 1


def credentials_fingerprint(row: SalesforceConnection) -> str:
    """Whom the session belongs to: a hash of the login URL, the username and the stored
    *ciphertexts* of password and token (a new secret is a new ciphertext)."""
    parts = [row.auth_mode, row.login_url, row.username, row.password, row.security_token]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


class DbSessionStore:
    """The one session row, valid only for the credentials it was obtained with."""

    def __init__(self, credentials: str, clock: Callable[[], datetime] = timezone.now) -> None:
        self.credentials = credentials
        self.clock = clock

    def load(self) -> StoredSession | None:
        row = SalesforceSession.objects.filter(pk=SINGLETON, credentials=self.credentials).first()
        if row is None:
            return None
        try:
            session_id = decrypt(row.session_id)
        except SecretUnreadable:  # the key was rotated away: log in again
            return None
        return StoredSession(session_id, row.instance_url, row.obtained_at)

    def save(self, session_id: str, instance_url: str) -> None:
        SalesforceSession.objects.update_or_create(
            pk=SINGLETON,
            defaults={
                "session_id": encrypt(session_id),
                "instance_url": instance_url,
                "credentials": self.credentials,
                "obtained_at": self.clock(),
            },
        )

    def drop(self, session_id: str | None = None) -> None:
        """Forget the session; with ``session_id``, only if it is still that one (another
        worker may have logged in again meanwhile)."""
        if session_id is not None:
            stored = self.load()
            if stored is not None and stored.session_id != session_id:
                return
        salesforce_session_forget()


def salesforce_session_forget() -> None:
    """The next client logs in afresh (credentials changed, Test connection, refusal)."""
    SalesforceSession.objects.all().delete()
