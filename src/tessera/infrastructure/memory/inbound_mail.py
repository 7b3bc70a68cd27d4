"""In-memory adapters of the inbound mail ports, for unit tests and the contract suite."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from tessera.application.errors import ConflictError
from tessera.application.ports.inbound_mail import (
    Envelope,
    InboundMessageView,
    LeaseLostError,
    MessageResult,
    StoredMessage,
)
from tessera.domain.mail.mailbox import Mailbox
from tessera.domain.mail.message import Outcome


@dataclass
class _Row:
    view: InboundMessageView
    raw: bytes
    key: str | None
    holder: str | None = None
    lease_until: datetime | None = None
    details: dict[str, object] = field(default_factory=dict)


class InMemoryInboundMessageStore:
    def __init__(self) -> None:
        self.rows: dict[int, _Row] = {}
        self._next = 1

    async def record(
        self, *, mailbox_id: int, raw: bytes, envelope: Envelope, received_at: datetime
    ) -> int | None:
        duplicate = any(
            r.view.mailbox_id == mailbox_id and r.key == envelope.key for r in self.rows.values()
        )
        row_id, self._next = self._next, self._next + 1
        view = InboundMessageView(
            id=row_id,
            mailbox_id=mailbox_id,
            message_id=envelope.message_id,
            sender=envelope.sender,
            subject=envelope.subject,
            received_at=received_at,
            outcome=Outcome.DUPLICATE.value if duplicate else None,
            ticket_id=None,
            reason="already received" if duplicate else None,
            processed_at=received_at if duplicate else None,
        )
        self.rows[row_id] = _Row(view=view, raw=raw, key=None if duplicate else envelope.key)
        return None if duplicate else row_id

    async def claim(
        self, *, holder: str, now: datetime, lease: timedelta, limit: int
    ) -> Sequence[StoredMessage]:
        claimed: list[StoredMessage] = []
        for row in self.rows.values():
            if len(claimed) >= limit:
                break
            if row.view.outcome is None and (row.lease_until is None or row.lease_until <= now):
                row.holder, row.lease_until = holder, now + lease
                claimed.append(
                    StoredMessage(
                        id=row.view.id,
                        mailbox_id=row.view.mailbox_id,
                        raw=row.raw,
                        received_at=row.view.received_at,
                    )
                )
        return claimed

    async def finish(
        self, message_id: int, *, holder: str, result: MessageResult, now: datetime
    ) -> bool:
        return self.finish_now(message_id, holder=holder, result=result, now=now)

    def held_by(self, message_id: int, holder: str) -> bool:
        row = self.rows.get(message_id)
        return row is not None and row.holder == holder and row.view.outcome is None

    def finish_now(
        self, message_id: int, *, holder: str, result: MessageResult, now: datetime
    ) -> bool:
        row = self.rows.get(message_id)
        if row is None or not self.held_by(message_id, holder):
            return False
        row.view = replace(
            row.view,
            outcome=result.outcome.value,
            ticket_id=result.ticket_id,
            reason=result.reason,
            processed_at=now,
        )
        row.details = dict(result.details)
        return True

    async def page(self, mailbox_id: int, *, after_id: int, limit: int) -> list[InboundMessageView]:
        views = sorted(
            (r.view for r in self.rows.values() if r.view.mailbox_id == mailbox_id),
            key=lambda v: -v.id,
        )
        return [v for v in views if not after_id or v.id < after_id][:limit]

    async def ticket_for_message_ids(self, message_ids: Sequence[str]) -> int | None:
        for message_id in message_ids:
            for row in self.rows.values():
                if row.view.message_id == message_id and row.view.ticket_id is not None:
                    return row.view.ticket_id
        return None


class InMemoryInboundOutcomes:
    """A unit of work's outcome, applied onto the store's messages when it commits."""

    def __init__(self, messages: InMemoryInboundMessageStore) -> None:
        self._messages = messages
        self._pending: list[tuple[int, str, MessageResult, datetime]] = []

    async def finish(
        self, message_id: int, *, holder: str, result: MessageResult, now: datetime
    ) -> None:
        if not self._messages.held_by(message_id, holder):
            raise LeaseLostError(message_id)
        self._pending.append((message_id, holder, result, now))

    @property
    def pending(self) -> int:
        return len(self._pending)

    def check_held(self) -> None:
        for message_id, holder, _, _ in self._pending:
            if not self._messages.held_by(message_id, holder):
                raise LeaseLostError(message_id)

    def committed(self) -> None:
        for message_id, holder, result, now in self._pending:
            self._messages.finish_now(message_id, holder=holder, result=result, now=now)
        self._pending.clear()

    def clear(self) -> None:
        self._pending.clear()


class InMemoryMailThreadIndex:
    """What the mail consumer would have recorded: sent Message-IDs and thread tokens."""

    def __init__(self) -> None:
        self.sent: dict[str, int] = {}
        self.tokens: dict[str, int] = {}

    async def ticket_for_message_ids(self, message_ids: Sequence[str]) -> int | None:
        return next((self.sent[m] for m in message_ids if m in self.sent), None)

    async def ticket_for_token(self, token: str) -> int | None:
        return self.tokens.get(token)


class InMemoryMailboxStore:
    def __init__(self) -> None:
        self.mailboxes: dict[int, Mailbox] = {}
        self._next = 1

    def _taken(self, mailbox: Mailbox) -> bool:
        return any(
            m.address == mailbox.address and m.id != mailbox.id for m in self.mailboxes.values()
        )

    async def add(self, mailbox: Mailbox) -> None:
        if self._taken(mailbox):
            raise ConflictError("A mailbox with this address exists")
        mailbox.id, self._next = self._next, self._next + 1
        self.mailboxes[mailbox.id] = replace(mailbox)

    async def get(self, mailbox_id: int) -> Mailbox | None:
        found = self.mailboxes.get(mailbox_id)
        return None if found is None else replace(found)

    async def save(self, mailbox: Mailbox) -> None:
        if self._taken(mailbox):
            raise ConflictError("A mailbox with this address exists")
        self.mailboxes[mailbox.id] = replace(mailbox)

    async def page(self, *, after_id: int, limit: int) -> list[Mailbox]:
        return [replace(m) for i, m in sorted(self.mailboxes.items()) if i > after_id][:limit]

    async def delete(self, mailbox_id: int) -> bool:
        return self.mailboxes.pop(mailbox_id, None) is not None
