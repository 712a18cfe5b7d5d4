"""Secrets at rest: Fernet (AES-128-CBC + HMAC) from ``cryptography``.

The key comes from ``SYNCADMIN_ENCRYPTION_KEYS`` (comma-separated Fernet keys;
the first encrypts, all decrypt, so keys can be rotated). Without it, local
runs generate one key once into the data folder. Losing the key loses the
stored secrets (they must be entered again), never anything else.
"""

from __future__ import annotations

import os
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class SecretUnreadable(Exception):
    """The stored secret was encrypted with a key we no longer have."""


def _local_key() -> str:
    path = settings.DATA_DIR / "encryption_key"
    if not path.exists():
        # 0600 from the start: the key is never readable by others, not even briefly.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process starting at once made it
            pass
        else:
            with os.fdopen(fd, "w") as file:
                file.write(Fernet.generate_key().decode())
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
