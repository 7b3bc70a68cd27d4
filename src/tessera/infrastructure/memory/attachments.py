"""In-memory attachment repository, with the SQL adapter's promises (tested by one suite)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime

from tessera.application.errors import ConflictError
from tessera.domain.attachments.attachment import Attachment
from tessera.infrastructure.memory.store import MemoryStore, PendingWrites


class InMemoryAttachmentRepository:
    def __init__(self, store: MemoryStore, pending: PendingWrites) -> None:
        self._store = store
        self._pending = pending
        self._claimed: set[int] = set()  # uploads this unit found by token

    def _all(self) -> list[Attachment]:
        merged = {**self._store.attachments, **self._pending.attachments}
        gone = self._pending.removed_attachments
        return [copy.deepcopy(a) for i, a in sorted(merged.items()) if i not in gone]

    async def add(self, attachment: Attachment) -> None:
        attachment.id = self._store.next_attachment_id
        self._store.next_attachment_id += 1
        self._pending.attachments[attachment.id] = copy.deepcopy(attachment)

    async def get(self, attachment_id: int) -> Attachment | None:
        return next((a for a in self._all() if a.id == attachment_id), None)

    async def by_token(self, token_hash: str) -> Attachment | None:
        found = next(
            (a for a in self._all() if a.token_hash == token_hash and not a.attached), None
        )
        if found is not None:
            self._claimed.add(found.id)
        return found

    async def save(self, attachment: Attachment) -> None:
        self._pending.attachments[attachment.id] = copy.deepcopy(attachment)

    async def of_ticket(self, ticket_id: int) -> list[Attachment]:
        return [a for a in self._all() if a.ticket_id == ticket_id]

    async def of_comments(self, comment_ids: Sequence[int]) -> dict[int, list[Attachment]]:
        found: dict[int, list[Attachment]] = {}
        for attachment in self._all():
            if attachment.comment_id is not None and attachment.comment_id in comment_ids:
                found.setdefault(attachment.comment_id, []).append(attachment)
        return found

    async def expired(self, now: datetime, *, limit: int) -> list[Attachment]:
        due = [
            a
            for a in self._all()
            if not a.attached and a.expires_at is not None and a.expires_at <= now
        ]
        return due[:limit]

    async def remove(self, attachment_ids: Sequence[int]) -> None:
        self._pending.removed_attachments.update(attachment_ids)

    async def remove_unattached(self, attachment_ids: Sequence[int]) -> None:
        attached = {a.id for a in self._all() if a.attached}
        self._pending.removed_attachments.update(set(attachment_ids) - attached)

    async def referenced(self, sha256: str) -> bool:
        return any(a.sha256 == sha256 for a in self._all())

    def check_unclaimed(self) -> None:
        """At commit: another unit may have attached an upload this one claimed meanwhile
        (the SQL adapter's row lock makes the later one wait and find it taken)."""
        for attachment_id in self._claimed:
            stored = self._store.attachments.get(attachment_id)
            if stored is None or stored.attached:
                raise ConflictError("The upload was used meanwhile")
