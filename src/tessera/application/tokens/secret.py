"""Token secrets: random, shown once, kept only as a SHA-256 digest."""

from __future__ import annotations

import hashlib
import secrets

PREFIX = "tsr_"


def new_secret() -> str:
    """32 random bytes, URL-safe, with a prefix that secret scanners can recognise."""
    return PREFIX + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    # A fast hash suffices: the secret has 256 bits of entropy, so it cannot be guessed offline.
    return hashlib.sha256(secret.encode()).hexdigest()
