"""SQLAlchemy attachment repository: the records of uploaded files."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from tessera.domain.attachments.attachment import Attachment
from tessera.infrastructure.persistence.tables import attachments

ConnectionSource = Callable[[], Awaitable[AsyncConnection]]
_COLUMNS = (
    "sha256", "size", "content_type", "filename", "uploader_id", "created_at", "token_hash",
    "expires_at", "ticket_id", "comment_id", "public",
)  # fmt: skip


def attachment_to_row(attachment: Attachment) -> dict[str, Any]:
    return {name: getattr(attachment, name) for name in _COLUMNS}


def attachment_from_row(row: RowMapping) -> Attachment:
    return Attachment(id=row["id"], **{name: row[name] for name in _COLUMNS})


class SqlAlchemyAttachmentRepository:
    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    async def add(self, attachment: Attachment) -> None:
        conn = await self._connection()
        result = await conn.execute(insert(attachments).values(**attachment_to_row(attachment)))
        key = result.inserted_primary_key
        assert key is not None
        attachment.id = int(key[0])

    async def get(self, attachment_id: int) -> Attachment | None:
        return await self._one(select(attachments).where(attachments.c.id == attachment_id))

    async def by_token(self, token_hash: str) -> Attachment | None:
        return await self._one(
            select(attachments)
            .where(attachments.c.token_hash == token_hash, attachments.c.ticket_id.is_(None))
            .with_for_update()
        )

    async def _one(self, statement: Any) -> Attachment | None:
        conn = await self._connection()
        row = (await conn.execute(statement)).mappings().first()
        return attachment_from_row(row) if row else None

    async def _many(self, statement: Any) -> list[Attachment]:
        conn = await self._connection()
        rows = await conn.execute(statement.order_by(attachments.c.id))
        return [attachment_from_row(row) for row in rows.mappings().all()]

    async def save(self, attachment: Attachment) -> None:
        conn = await self._connection()
        await conn.execute(
            update(attachments)
            .where(attachments.c.id == attachment.id)
            .values(**attachment_to_row(attachment))
        )

    async def of_ticket(self, ticket_id: int) -> list[Attachment]:
        return await self._many(select(attachments).where(attachments.c.ticket_id == ticket_id))

    async def of_comments(self, comment_ids: Sequence[int]) -> dict[int, list[Attachment]]:
        found: dict[int, list[Attachment]] = {}
        if not comment_ids:
            return found
        rows = await self._many(
            select(attachments).where(attachments.c.comment_id.in_(list(comment_ids)))
        )
        for attachment in rows:
            assert attachment.comment_id is not None
            found.setdefault(attachment.comment_id, []).append(attachment)
        return found

    async def expired(self, now: datetime, *, limit: int) -> list[Attachment]:
        return await self._many(
            select(attachments)
            .where(attachments.c.ticket_id.is_(None), attachments.c.expires_at <= now)
            .limit(limit)
        )

    async def remove(self, attachment_ids: Sequence[int]) -> None:
        if attachment_ids:
            conn = await self._connection()
            await conn.execute(delete(attachments).where(attachments.c.id.in_(attachment_ids)))

    async def remove_unattached(self, attachment_ids: Sequence[int]) -> None:
        if attachment_ids:
            conn = await self._connection()
            await conn.execute(
                delete(attachments).where(
                    attachments.c.id.in_(attachment_ids), attachments.c.ticket_id.is_(None)
                )
            )

    async def referenced(self, sha256: str) -> bool:
        conn = await self._connection()
        found = await conn.execute(
            select(attachments.c.id).where(attachments.c.sha256 == sha256).limit(1)
        )
        return found.first() is not None
