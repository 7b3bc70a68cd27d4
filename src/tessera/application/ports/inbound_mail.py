"""Inbound mail ports: reading a raw message, the mailboxes, the store of received
messages (each processed once, by whichever worker holds its lease), and the index that
finds the ticket a reply belongs to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from tessera.domain.mail.mailbox import Mailbox
from tessera.domain.mail.message import InboundMail, Outcome


@dataclass(frozen=True, slots=True, kw_only=True)
class Envelope:
    """What the headers say before the message is read whole: the key it is deduplicated by
    (its Message-ID, or a digest of the bytes when it has none)."""

    key: str
    message_id: str | None
    sender: str | None
    subject: str | None


class MailReader(Protocol):
    def envelope(self, raw: bytes) -> Envelope:
        """Never raises: a message whose headers cannot be read still gets a key."""
        ...

    def read(self, raw: bytes) -> InboundMail:
        """Raises MalformedMailError with the reason."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredMessage:
    id: int
    mailbox_id: int
    raw: bytes
    received_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageResult:
    """``details`` keeps what the ticket model cannot hold yet: recipients, CC, the parts,
    the sanitised HTML, the ticket a follow-up continues."""

    outcome: Outcome
    ticket_id: int | None = None
    reason: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class InboundMessageView:
    id: int
    mailbox_id: int
    message_id: str | None
    sender: str | None
    subject: str | None
    received_at: datetime
    outcome: str | None  # None while it waits to be processed
    ticket_id: int | None
    reason: str | None
    processed_at: datetime | None


class LeaseLostError(Exception):
    """Another worker holds the message now, or it has its outcome already: the unit of work
    that would have recorded one rolls back, and whatever it wrote with it."""


class InboundOutcomes(Protocol):
    """A received message's outcome, written inside the unit of work that makes the ticket or
    comment it names: both commit, or neither does."""

    async def finish(
        self, message_id: int, *, holder: str, result: MessageResult, now: datetime
    ) -> None:
        """Raises LeaseLostError when ``holder`` no longer has the lease or the message has
        its outcome (at the latest when the unit of work commits)."""
        ...


class InboundMessageStore(Protocol):
    """Raises ServiceUnavailableError when the store cannot be reached."""

    async def record(
        self, *, mailbox_id: int, raw: bytes, envelope: Envelope, received_at: datetime
    ) -> int | None:
        """Keep the message, waiting to be processed; its id. A key the mailbox already has
        is kept as a ``duplicate`` (never processed): None."""
        ...

    async def claim(
        self, *, holder: str, now: datetime, lease: timedelta, limit: int
    ) -> Sequence[StoredMessage]:
        """Waiting messages, oldest first, leased to ``holder`` until ``now + lease``: no
        other holder gets them meanwhile."""
        ...

    async def finish(
        self, message_id: int, *, holder: str, result: MessageResult, now: datetime
    ) -> bool:
        """Record the outcome, if ``holder`` still has the lease and the message has none yet."""
        ...

    async def page(self, mailbox_id: int, *, after_id: int, limit: int) -> list[InboundMessageView]:
        """Newest first (ids below ``after_id`` when it is not 0)."""
        ...

    async def ticket_for_message_ids(self, message_ids: Sequence[str]) -> int | None:
        """The ticket of the first of ``message_ids`` that Tessera received for a ticket."""
        ...


class MailThreadIndex(Protocol):
    """The mail Tessera sent: its Message-IDs and the reply tokens of the tickets' threads."""

    async def ticket_for_message_ids(self, message_ids: Sequence[str]) -> int | None:
        """The ticket of the first of ``message_ids`` that Tessera sent."""
        ...

    async def ticket_for_token(self, token: str) -> int | None: ...


class MailboxStore(Protocol):
    async def add(self, mailbox: Mailbox) -> None:
        """Give it its identity. Raises ConflictError when the address has a mailbox."""
        ...

    async def get(self, mailbox_id: int) -> Mailbox | None: ...

    async def save(self, mailbox: Mailbox) -> None:
        """Raises ConflictError when the new address has another mailbox."""
        ...

    async def page(self, *, after_id: int, limit: int) -> list[Mailbox]: ...

    async def delete(self, mailbox_id: int) -> bool: ...
