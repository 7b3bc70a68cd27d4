"""Webhook signatures as the Standard Webhooks specification has them.

``webhook-signature: v1,<base64 HMAC-SHA256>`` over ``{webhook-id}.{webhook-timestamp}.{body}``,
keyed with the base64-decoded part of the ``whsec_`` secret. While a rotated-out secret is
still in its overlap, the header carries both signatures, space-separated, the new one first;
a receiver accepts the delivery when any of them matches.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from tessera.domain.webhooks.webhook import secret_key


def signature(secret: str, *, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return f"v1,{base64.b64encode(digest).decode('ascii')}"


def signature_headers(
    secrets: list[str], *, message_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The three Standard Webhooks headers, signed with each of ``secrets`` in turn."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(
            signature(secret, message_id=message_id, timestamp=timestamp, body=body)
            for secret in secrets
        ),
    }
