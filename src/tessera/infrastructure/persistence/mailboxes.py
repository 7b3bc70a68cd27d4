"""SQL mailbox registry: the first spelling of an address holds its look-alike key."""

from __future__ import annotations

import hashlib
import weakref
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.domain.access.mailboxes import EmailAddress, LookalikeAddressError, mailbox_key
from tessera.infrastructure.persistence.repositories import ConnectionSource
from tessera.infrastructure.persistence.tables import mailboxes
from tessera.infrastructure.persistence.upserts import insert_ignoring_duplicates


def stored_key(address: str) -> str:
    """The key as stored: a digest, so that its length is bounded whatever NFKC expands to."""
    return hashlib.sha256(mailbox_key(address).encode()).hexdigest()


class HeldAddresses:
    """Key -> the spelling that holds it, for keys read as held by a committed row, shared by
    a process's units of work. A key, once held, never changes hands (no row is updated or
    deleted), so an entry stays true: a repeat customer's address costs no statement. A key
    this process inserted is not kept here until it is read again (its transaction could
    still roll back). Bounded: the oldest entry goes first."""

    def __init__(self, size: int = 10_000) -> None:
        self._size = size
        self._held: dict[str, str] = {}

    def get(self, key: str) -> str | None:
        return self._held.get(key)

    def remember(self, key: str, address: str) -> None:
        if key not in self._held and len(self._held) >= self._size:
            del self._held[next(iter(self._held))]
        self._held[key] = address


_BY_ENGINE: weakref.WeakKeyDictionary[Any, HeldAddresses] = weakref.WeakKeyDictionary()


def held_addresses(engine: AsyncEngine) -> HeldAddresses:
    """The addresses known to be held in this engine's database."""
    held = _BY_ENGINE.get(engine.sync_engine)
    if held is None:
        held = _BY_ENGINE[engine.sync_engine] = HeldAddresses()
    return held


class SqlAlchemyMailboxRegistry:
    def __init__(self, connection: ConnectionSource, *, known: HeldAddresses | None = None) -> None:
        self._connection = connection
        self._known = known or HeldAddresses()
        # key -> the spelling that holds it, as read in this unit of work: a second claim
        # of it (a ticket's address, then its requester's) costs no second statement.
        self._held: dict[str, str] = {}

    async def claim(self, address: EmailAddress, *, field: str) -> None:
        key = stored_key(address)
        current: str | None = self._held.get(key) or self._known.get(key)
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
        if current is not None:  # committed by someone: true from now on
            self._known.remember(key, current)
        else:
            # A concurrent claim of the same key waits on the primary key here and then
            # inserts nothing; the second read (a new snapshot on PostgreSQL's read committed)
            # sees whichever spelling won.
            insert = insert_ignoring_duplicates(mailboxes, dialect=conn.dialect.name)
            await conn.execute(insert.values(key=key, address=address))
            current = await conn.scalar(held)
        return current
