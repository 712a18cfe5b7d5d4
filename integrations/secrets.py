"""Secrets at rest: Fernet (AES-128-CBC + HMAC) from ``cryptography``.

The key comes from ``SYNCADMIN_ENCRYPTION_KEYS`` (comma-separated Fernet keys;
the first encrypts, all decrypt, so keys can be rotated). Without it, local
runs generate one key once into the data folder. Losing the key loses the
stored secrets (they must be entered again), never anything else.
"""

from __future__ import annotations

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class SecretUnreadable(Exception):
    """The stored secret was encrypted with a key we no longer have."""


def _local_key() -> str:
    path = settings.DATA_DIR / "encryption_key"
    if not path.exists():
        path.write_text(Fernet.generate_key().decode())
        path.chmod(0o600)
    return path.read_text().strip()


@cache
def _fernet() -> MultiFernet:
    keys = settings.ENCRYPTION_KEYS or [_local_key()]
    return MultiFernet([Fernet(key.encode()) for key in keys])


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode() if plaintext else ""


def decrypt(ciphertext: str) -> str:
    if not ciphertext:
        return ""
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(
            "A stored secret cannot be decrypted with the configured key; enter it again."
        ) from None
