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

    async def claim(self, address: EmailAddress, *, field: str) -> None:
        conn = await self._connection()
        key = stored_key(address)
        held = select(mailboxes.c.address).where(mailboxes.c.key == key)
        current = await conn.scalar(held)
        if current is None:
            # A concurrent claim of the same key waits on the primary key here and then
            # inserts nothing; the second read (a new snapshot on PostgreSQL's read committed)
            # sees whichever spelling won.
            insert = insert_ignoring_duplicates(mailboxes, dialect=conn.dialect.name)
            await conn.execute(insert.values(key=key, address=address))
            current = await conn.scalar(held)
        if current != address:
            raise LookalikeAddressError(field, address)
