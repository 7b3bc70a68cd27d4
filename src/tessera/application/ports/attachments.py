"""Attachment port: the records of uploaded files, written inside a unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from tessera.domain.attachments.attachment import Attachment


class AttachmentRepository(Protocol):
    async def add(self, attachment: Attachment) -> None:
        """Store a new upload and give it its identity (``attachment.id``)."""
        ...

    async def get(self, attachment_id: int) -> Attachment | None: ...

    async def by_token(self, token_hash: str) -> Attachment | None:
        """The upload with this token, not attached yet, locked until the unit of work ends
        (two comments cannot both claim it)."""
        ...

    async def save(self, attachment: Attachment) -> None: ...

    async def of_ticket(self, ticket_id: int) -> list[Attachment]:
        """The ticket's files, its comments' included, in upload order."""
        ...

    async def of_comments(self, comment_ids: Sequence[int]) -> dict[int, list[Attachment]]: ...

    async def expired(self, now: datetime, *, limit: int) -> list[Attachment]:
        """Uploads never attached whose time ran out, oldest first."""
        ...

    async def remove(self, attachment_ids: Sequence[int]) -> None: ...

    async def remove_unattached(self, attachment_ids: Sequence[int]) -> None:
        """Remove those of the uploads that are still not attached: one attached meanwhile
        (its claim committed after it was found expired) stays."""
        ...

    async def referenced(self, sha256: str) -> bool:
        """Whether any record still names these bytes."""
        ...
