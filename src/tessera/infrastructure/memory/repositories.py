"""In-memory repositories with the same contract as the SQL ones: reads see the committed store
plus the unit's own writes, writes stay with the unit until it commits, saves are
version-guarded, and ``get_for_update`` holds row locks."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Collection

from tessera.application.errors import ConflictError
from tessera.domain.access.tokens import ApiToken
from tessera.domain.comments.comment import Comment
from tessera.domain.tickets.status import Status
from tessera.domain.tickets.ticket import Ticket
from tessera.infrastructure.memory.store import MemoryStore, PendingWrites


class InMemoryTicketRepository:
    def __init__(self, store: MemoryStore, pending: PendingWrites) -> None:
        self._store = store
        self._pending = pending
        self._seen: dict[int, Ticket] = {}
        self._loaded: dict[int, int] = {}  # committed version when loaded
        self._added: set[int] = set()
        self._held: dict[int, asyncio.Lock] = {}

    async def get(self, ticket_id: int) -> Ticket | None:
        stored = self._current(ticket_id)
        return self._load(stored) if stored else None

    async def get_for_update(self, ticket_ids: Collection[int]) -> dict[int, Ticket]:
        for ticket_id in sorted(set(ticket_ids) - self._held.keys()):
            lock = self._store.ticket_locks[ticket_id]
            await lock.acquire()
            self._held[ticket_id] = lock
        found = {}
        for ticket_id in sorted(set(ticket_ids)):
            ticket = await self.get(ticket_id)
            if ticket is not None:
                found[ticket_id] = ticket
        return found

    async def find_by_status(self, status: Status, *, limit: int) -> list[Ticket]:
        found = sorted(
            (t for t in self._visible().values() if t.status is status), key=lambda t: t.id
        )
        return [self._load(t) for t in found[:limit]]

    async def add(self, ticket: Ticket) -> None:
        ticket.id = self._store.next_ticket_id
        self._store.next_ticket_id += 1
        self._pending.tickets[ticket.id] = ticket
        self._added.add(ticket.id)
        self._track(ticket)

    async def save(self, ticket: Ticket) -> None:
        self._guard(ticket.id)
        self._pending.tickets[ticket.id] = ticket
        self._pending.deleted_tickets.discard(ticket.id)

    async def delete(self, ticket: Ticket) -> None:
        self._guard(ticket.id)
        self._pending.tickets.pop(ticket.id, None)
        self._pending.deleted_tickets.add(ticket.id)

    def seen(self) -> list[Ticket]:
        return list(self._seen.values())

    def check_unchanged(self) -> None:
        """At commit: every ticket this unit writes is still at the version it loaded."""
        for ticket_id in (*self._pending.tickets, *self._pending.deleted_tickets):
            self._guard(ticket_id)

    def committed(self) -> None:
        """The unit's writes are now the committed state its next writes are guarded against."""
        for ticket_id, ticket in self._pending.tickets.items():
            self._loaded[ticket_id] = ticket.version
        self._added.clear()

    def release(self) -> None:
        for lock in self._held.values():
            lock.release()
        self._held.clear()

    def _current(self, ticket_id: int) -> Ticket | None:
        if ticket_id in self._pending.deleted_tickets:
            return None
        return self._pending.tickets.get(ticket_id) or self._store.tickets.get(ticket_id)

    def _visible(self) -> dict[int, Ticket]:
        visible = {**self._store.tickets, **self._pending.tickets}
        for ticket_id in self._pending.deleted_tickets:
            visible.pop(ticket_id, None)
        return visible

    def _guard(self, ticket_id: int) -> None:
        if ticket_id in self._added:
            return
        current = self._store.tickets.get(ticket_id)
        if current is None or current.version != self._loaded[ticket_id]:
            raise ConflictError(f"Ticket {ticket_id} was changed by someone else")

    def _load(self, stored: Ticket) -> Ticket:
        """A ticket this unit wrote is the same object again (as in an identity map); a
        committed one is a private copy."""
        if stored.id in self._pending.tickets:
            return self._track(stored)
        return self._track(copy.deepcopy(stored))

    def _track(self, ticket: Ticket) -> Ticket:
        self._seen[ticket.id] = ticket
        if ticket.id not in self._pending.tickets:
            # The committed version this unit's writes are guarded against.
            self._loaded[ticket.id] = ticket.version
        return ticket


class InMemoryTokenRepository:
    def __init__(self, store: MemoryStore, pending: PendingWrites) -> None:
        self._store = store
        self._pending = pending

    def _visible(self) -> dict[int, ApiToken]:
        return {**self._store.tokens, **self._pending.tokens}

    async def add(self, token: ApiToken) -> None:
        token.id = self._store.next_token_id
        self._store.next_token_id += 1
        self._pending.tokens[token.id] = token

    async def get(self, token_id: int) -> ApiToken | None:
        token = self._visible().get(token_id)
        return copy.deepcopy(token) if token else None

    async def get_by_hash(self, token_hash: str) -> ApiToken | None:
        for token in self._visible().values():
            if token.token_hash == token_hash:
                return copy.deepcopy(token)
        return None

    async def list(self, *, after_id: int, limit: int) -> list[ApiToken]:
        visible = self._visible()
        ids = sorted(i for i in visible if i > after_id)[:limit]
        return [copy.deepcopy(visible[i]) for i in ids]

    async def save(self, token: ApiToken) -> None:
        self._pending.tokens[token.id] = token

    async def count(self) -> int:
        return len(self._visible())


class InMemoryCommentRepository:
    def __init__(self, store: MemoryStore, pending: PendingWrites) -> None:
        self._store = store
        self._pending = pending

    async def add(self, comment: Comment) -> None:
        comment.id = self._store.next_comment_id
        self._store.next_comment_id += 1
        self._pending.comments[comment.id] = comment

    async def thread(
        self, ticket_id: int, *, public_only: bool, after_id: int, limit: int
    ) -> list[Comment]:
        tickets = {**self._store.tickets, **self._pending.tickets}
        target = tickets.get(ticket_id)
        customer = target.customer_email if target else None
        merged = {
            t.id
            for t in tickets.values()
            if t.merged_into_id == ticket_id and (not public_only or t.customer_email == customer)
        }
        comments = {**self._store.comments, **self._pending.comments}
        found = [
            copy.deepcopy(c)
            for c in sorted(comments.values(), key=lambda c: c.id)
            if (c.ticket_id == ticket_id or c.ticket_id in merged)
            and c.id > after_id
            and (c.public or not public_only)
        ]
        return found[:limit]
