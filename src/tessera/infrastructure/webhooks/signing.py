"""Webhook signatures: ``Tessera-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>``.

The HMAC covers ``f"{t}."`` followed by the exact body bytes, keyed with the webhook's
secret. A receiver recomputes it, compares in constant time, and refuses a timestamp older
than its tolerance (5 minutes is usual), which stops replays.
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "Tessera-Signature"
DEFAULT_TOLERANCE_SECONDS = 300


def sign(secret: str, body: bytes, *, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify(
    secret: str,
    body: bytes,
    header: str,
    *,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """What a receiver does (also shown in docs/webhooks.md)."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - timestamp) > tolerance:
        return False
    expected = sign(secret, body, timestamp=timestamp).partition(",v1=")[2]
    return hmac.compare_digest(expected, fields.get("v1", ""))
