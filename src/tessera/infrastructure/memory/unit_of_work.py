"""In-memory unit of work: works on a copy of the store and swaps it in on commit."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from tessera.infrastructure.memory.mailboxes import InMemoryMailboxRegistry
from tessera.infrastructure.memory.repositories import (
    InMemoryCommentRepository,
    InMemoryTicketRepository,
    InMemoryTokenRepository,
)
from tessera.infrastructure.memory.store import MemoryStore


class InMemoryUnitOfWork:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._work = store.snapshot()
        self.tickets = InMemoryTicketRepository(store, self._work)
        self.tokens = InMemoryTokenRepository(self._work)
        self.comments = InMemoryCommentRepository(self._work)
        self.mailboxes = InMemoryMailboxRegistry(self._work)
        self.committed = False

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Nothing to undo: an uncommitted copy is simply dropped."""

    async def commit(self) -> None:
        events = [event for ticket in self.tickets.seen() for event in ticket.pull_events()]
        self._work.events.extend(events)
        self._store.replace_with(self._work)
        self._work = self._store.snapshot()
        self.committed = True
