"""The MailReader adapter: headers first for the deduplication key, then the whole message."""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from email import policy
from email.parser import BytesHeaderParser

from tessera.application.ports.inbound_mail import Envelope
from tessera.domain.mail.message import InboundMail
from tessera.infrastructure.mail_intake.parsing import DEFAULT_BODY_LIMIT, first_id, parse_mail

_HEADERS = BytesHeaderParser(policy=policy.default)
SUBJECT_MAX = 300
SENDER_MAX = 254


class EmailPackageReader:
    def __init__(
        self, *, body_limit: int = DEFAULT_BODY_LIMIT, own_addresses: Collection[str] = ()
    ) -> None:
        self._body_limit = body_limit
        self._own = frozenset(a.lower() for a in own_addresses)

    def envelope(self, raw: bytes) -> Envelope:
        try:
            headers = _HEADERS.parsebytes(raw)
            message_id = first_id(headers.get("Message-ID"))
            sender = _line(headers.get("From"), SENDER_MAX)
            subject = _line(headers.get("Subject"), SUBJECT_MAX)
        except Exception:  # noqa: BLE001 - unreadable headers: the digest still keys it
            message_id = sender = subject = None
        key = message_id or f"sha256:{hashlib.sha256(raw).hexdigest()}"
        return Envelope(key=key, message_id=message_id, sender=sender, subject=subject)

    def read(self, raw: bytes) -> InboundMail:
        return parse_mail(raw, body_limit=self._body_limit, own_addresses=self._own)


def _line(value: object, limit: int) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text[:limit] or None
