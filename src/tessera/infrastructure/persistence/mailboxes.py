"""SQL mailbox registry: the first spelling of an address holds its look-alike key."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from tessera.domain.access.mailboxes import EmailAddress, LookalikeAddressError, mailbox_key
from tessera.infrastructure.persistence.repositories import ConnectionSource
from tessera.infrastructure.persistence.tables import mailboxes
from tessera.infrastructure.persistence.upserts import insert_ignoring_duplicates


def stored_key(address: str) -> str:
    """The key as stored: a digest, so that its length is bounded whatever NFKC expands to."""
    return hashlib.sha256(mailbox_key(address).encode()).hexdigest()


class SqlAlchemyMailboxRegistry:
    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection
        # key -> the spelling that holds it, as read in this unit of work: a key, once held,
        # never changes hands, so a second claim of it (a ticket's address, then its
        # requester's) costs no second statement.
        self._held: dict[str, str] = {}

    async def claim(self, address: EmailAddress, *, field: str) -> None:
        key = stored_key(address)
        current: str | None = self._held.get(key)
        if current is None:
            current = await self._holder(key, address)
            if current is not None:
                self._held[key] = current
        if current != address:
            raise LookalikeAddressError(field, address)

    async def _holder(self, key: str, address: EmailAddress) -> str | None:
        conn = await self._connection()
        held = select(mailboxes.c.address).where(mailboxes.c.key == key)
        current: str | None = await conn.scalar(held)
        if current is None:
            # A concurrent claim of the same key waits on the primary key here and then
            # inserts nothing; the second read (a new snapshot on PostgreSQL's read committed)
            # sees whichever spelling won.
            insert = insert_ignoring_duplicates(mailboxes, dialect=conn.dialect.name)
            await conn.execute(insert.values(key=key, address=address))
            current = await conn.scalar(held)
        return current
