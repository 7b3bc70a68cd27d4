"""The inbound channel's tables: mailboxes, received messages (leased to one worker at a time,
as the retry queues are), and the index of the Message-IDs and reply tokens Tessera sent."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import RowMapping, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.application.errors import ConflictError
from tessera.application.ports.inbound_mail import (
    Envelope,
    InboundMessageView,
    MessageResult,
    StoredMessage,
)
from tessera.domain.access.mailboxes import EmailAddress
from tessera.domain.mail.mailbox import ImapIntake, ImapTls, Intake, LmtpIntake, Mailbox
from tessera.domain.mail.message import Outcome
from tessera.infrastructure.persistence.engine import writer
from tessera.infrastructure.persistence.errors import database_errors
from tessera.infrastructure.persistence.tables import (
    inbound_mailboxes,
    inbound_messages,
    mail_threads,
    outgoing_mail,
)

_TAKEN = "A mailbox with this address exists"


def _mailbox(row: RowMapping) -> Mailbox:
    intake: Intake = LmtpIntake()
    if row["kind"] == "imap":
        intake = ImapIntake(
            host=row["host"],
            port=row["port"],
            tls=ImapTls(row["tls"]),
            user=row["imap_user"],
            password=row["imap_password"],
            folder=row["folder"],
        )
    return Mailbox(
        id=row["id"],
        address=EmailAddress(row["address"]),
        group_id=row["group_id"],
        intake=intake,
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _columns(mailbox: Mailbox) -> dict[str, Any]:
    imap = mailbox.intake if isinstance(mailbox.intake, ImapIntake) else None
    return {
        "address": mailbox.address,
        "group_id": mailbox.group_id,
        "kind": mailbox.kind.value,
        "host": imap.host if imap else None,
        "port": imap.port if imap else None,
        "tls": imap.tls.value if imap else None,
        "imap_user": imap.user if imap else None,
        "imap_password": imap.password if imap else None,
        "folder": imap.folder if imap else None,
        "updated_at": mailbox.updated_at,
    }


class SqlAlchemyMailboxStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = writer(engine)

    async def add(self, mailbox: Mailbox) -> None:
        values = {**_columns(mailbox), "created_at": mailbox.created_at}
        try:
            async with database_errors(), self._engine.begin() as conn:
                result = await conn.execute(insert(inbound_mailboxes).values(**values))
        except IntegrityError:
            raise ConflictError(_TAKEN) from None
        key = result.inserted_primary_key
        assert key is not None
        mailbox.id = int(key[0])

    async def get(self, mailbox_id: int) -> Mailbox | None:
        query = select(inbound_mailboxes).where(inbound_mailboxes.c.id == mailbox_id)
        async with database_errors(), self._engine.connect() as conn:
            row = (await conn.execute(query)).mappings().first()
        return _mailbox(row) if row else None

    async def save(self, mailbox: Mailbox) -> None:
        statement = (
            update(inbound_mailboxes)
            .where(inbound_mailboxes.c.id == mailbox.id)
            .values(**_columns(mailbox))
        )
        try:
            async with database_errors(), self._engine.begin() as conn:
                await conn.execute(statement)
        except IntegrityError:
            raise ConflictError(_TAKEN) from None

    async def page(self, *, after_id: int, limit: int) -> list[Mailbox]:
        query = (
            select(inbound_mailboxes)
            .where(inbound_mailboxes.c.id > after_id)
            .order_by(inbound_mailboxes.c.id)
            .limit(limit)
        )
        async with database_errors(), self._engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [_mailbox(row) for row in rows]

    async def delete(self, mailbox_id: int) -> bool:
        statement = delete(inbound_mailboxes).where(inbound_mailboxes.c.id == mailbox_id)
        async with database_errors(), self._engine.begin() as conn:
            result = await conn.execute(statement)
        return bool(result.rowcount)


def _view(row: RowMapping) -> InboundMessageView:
    return InboundMessageView(
        id=row["id"],
        mailbox_id=row["mailbox_id"],
        message_id=row["message_id"],
        sender=row["sender"],
        subject=row["subject"],
        received_at=row["received_at"],
        outcome=row["outcome"],
        ticket_id=row["ticket_id"],
        reason=row["reason"],
        processed_at=row["processed_at"],
    )


_VIEW_COLUMNS = [c for c in inbound_messages.c if c.name not in ("raw", "details")]


class SqlAlchemyInboundMessageStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = writer(engine)

    async def record(
        self, *, mailbox_id: int, raw: bytes, envelope: Envelope, received_at: datetime
    ) -> int | None:
        values: dict[str, Any] = {
            "mailbox_id": mailbox_id,
            "dedup_key": envelope.key,
            "message_id": envelope.message_id,
            "sender": envelope.sender,
            "subject": envelope.subject,
            "received_at": received_at,
            "raw": raw,
        }
        try:
            async with database_errors(), self._engine.begin() as conn:
                result = await conn.execute(insert(inbound_messages).values(**values))
            key = result.inserted_primary_key
            return int(key[0]) if key is not None else None
        except IntegrityError:  # the mailbox has the key: kept as a duplicate, never processed
            duplicate = {
                **values,
                "dedup_key": None,
                "outcome": Outcome.DUPLICATE.value,
                "reason": "already received",
                "processed_at": received_at,
            }
            async with database_errors(), self._engine.begin() as conn:
                await conn.execute(insert(inbound_messages).values(**duplicate))
            return None

    async def claim(
        self, *, holder: str, now: datetime, lease: timedelta, limit: int
    ) -> Sequence[StoredMessage]:
        table = inbound_messages
        due = (
            select(table.c.id)
            .where(
                table.c.outcome.is_(None),
                or_(table.c.lease_until.is_(None), table.c.lease_until <= now),
            )
            .order_by(table.c.id)
            .limit(limit)
        )
        if self._engine.dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        statement = (
            update(table)
            .where(table.c.id.in_(due.scalar_subquery()))
            .values(holder=holder, lease_until=now + lease)
            .returning(table.c.id, table.c.mailbox_id, table.c.raw, table.c.received_at)
        )
        async with database_errors(), self._engine.begin() as conn:
            rows = (await conn.execute(statement)).mappings().all()
        return sorted(
            (
                StoredMessage(
                    id=r["id"],
                    mailbox_id=r["mailbox_id"],
                    raw=r["raw"],
                    received_at=r["received_at"],
                )
                for r in rows
            ),
            key=lambda m: m.id,
        )

    async def finish(
        self, message_id: int, *, holder: str, result: MessageResult, now: datetime
    ) -> bool:
        table = inbound_messages
        statement = (
            update(table)
            .where(table.c.id == message_id, table.c.holder == holder, table.c.outcome.is_(None))
            .values(
                outcome=result.outcome.value,
                ticket_id=result.ticket_id,
                reason=result.reason,
                details=result.details or None,
                processed_at=now,
                lease_until=None,
            )
        )
        async with database_errors(), self._engine.begin() as conn:
            done = await conn.execute(statement)
        return bool(done.rowcount)

    async def page(self, mailbox_id: int, *, after_id: int, limit: int) -> list[InboundMessageView]:
        query = select(*_VIEW_COLUMNS).where(inbound_messages.c.mailbox_id == mailbox_id)
        if after_id:
            query = query.where(inbound_messages.c.id < after_id)
        query = query.order_by(inbound_messages.c.id.desc()).limit(limit)
        async with database_errors(), self._engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [_view(row) for row in rows]

    async def ticket_for_message_ids(self, message_ids: Sequence[str]) -> int | None:
        if not message_ids:
            return None
        query = select(inbound_messages.c.message_id, inbound_messages.c.ticket_id).where(
            inbound_messages.c.message_id.in_(list(message_ids)),
            inbound_messages.c.ticket_id.is_not(None),
        )
        async with database_errors(), self._engine.connect() as conn:
            found = {row.message_id: row.ticket_id for row in await conn.execute(query)}
        return next((found[m] for m in message_ids if m in found), None)

    async def details(self, message_id: int) -> dict[str, Any] | None:
        query = select(inbound_messages.c.details).where(inbound_messages.c.id == message_id)
        async with database_errors(), self._engine.connect() as conn:
            value = await conn.scalar(query)
        return value if isinstance(value, dict) else None


class SqlAlchemyMailThreadIndex:
    """Reads what the mail consumer recorded (``outgoing_mail``, ``mail_threads``)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def ticket_for_message_ids(self, message_ids: Sequence[str]) -> int | None:
        if not message_ids:
            return None
        query = select(outgoing_mail.c.message_id, outgoing_mail.c.ticket_id).where(
            outgoing_mail.c.message_id.in_(list(message_ids)),
            outgoing_mail.c.ticket_id.is_not(None),
        )
        async with database_errors(), self._engine.connect() as conn:
            found = {row.message_id: row.ticket_id for row in await conn.execute(query)}
        return next((found[m] for m in message_ids if m in found), None)

    async def ticket_for_token(self, token: str) -> int | None:
        query = select(mail_threads.c.ticket_id).where(mail_threads.c.token == token)
        async with database_errors(), self._engine.connect() as conn:
            value = await conn.scalar(query)
        return int(value) if value is not None else None
