"""In-memory repositories with the same optimistic-concurrency contract as the SQL ones."""

from __future__ import annotations

import copy

from tessera.application.errors import ConflictError
from tessera.domain.access.tokens import ApiToken
from tessera.domain.comments.comment import Comment
from tessera.domain.tickets.status import Status
from tessera.domain.tickets.ticket import Ticket
from tessera.infrastructure.memory.store import MemoryStore


class InMemoryTicketRepository:
    def __init__(self, committed: MemoryStore, work: MemoryStore) -> None:
        self._committed = committed  # read at write time, to detect a concurrent commit
        self._work = work
        self._seen: dict[int, Ticket] = {}
        self._loaded: dict[int, int] = {}
        self._added: set[int] = set()

    async def get(self, ticket_id: int) -> Ticket | None:
        stored = self._work.tickets.get(ticket_id)
        return self._track(copy.deepcopy(stored)) if stored else None

    async def find_by_status(self, status: Status, *, limit: int) -> list[Ticket]:
        found = sorted(
            (t for t in self._work.tickets.values() if t.status is status), key=lambda t: t.id
        )
        return [self._track(copy.deepcopy(t)) for t in found[:limit]]

    async def add(self, ticket: Ticket) -> None:
        ticket.id = self._work.next_ticket_id
        self._work.next_ticket_id += 1
        self._work.tickets[ticket.id] = ticket
        self._added.add(ticket.id)
        self._track(ticket)

    async def save(self, ticket: Ticket) -> None:
        self._guard(ticket)
        self._work.tickets[ticket.id] = ticket
        self._loaded[ticket.id] = ticket.version

    async def delete(self, ticket: Ticket) -> None:
        self._guard(ticket)
        del self._work.tickets[ticket.id]

    def seen(self) -> list[Ticket]:
        return list(self._seen.values())

    def _guard(self, ticket: Ticket) -> None:
        if ticket.id in self._added:
            return
        current = self._committed.tickets.get(ticket.id)
        if current is None or current.version != self._loaded[ticket.id]:
            raise ConflictError(f"Ticket {ticket.id} was changed by someone else")

    def _track(self, ticket: Ticket) -> Ticket:
        self._seen[ticket.id] = ticket
        self._loaded[ticket.id] = ticket.version
        return ticket


class InMemoryTokenRepository:
    def __init__(self, work: MemoryStore) -> None:
        self._work = work

    async def add(self, token: ApiToken) -> None:
        token.id = self._work.next_token_id
        self._work.next_token_id += 1
        self._work.tokens[token.id] = token

    async def get(self, token_id: int) -> ApiToken | None:
        token = self._work.tokens.get(token_id)
        return copy.deepcopy(token) if token else None

    async def get_by_hash(self, token_hash: str) -> ApiToken | None:
        for token in self._work.tokens.values():
            if token.token_hash == token_hash:
                return copy.deepcopy(token)
        return None

    async def list(self, *, after_id: int, limit: int) -> list[ApiToken]:
        ids = sorted(i for i in self._work.tokens if i > after_id)[:limit]
        return [copy.deepcopy(self._work.tokens[i]) for i in ids]

    async def save(self, token: ApiToken) -> None:
        self._work.tokens[token.id] = token

    async def count(self) -> int:
        return len(self._work.tokens)


class InMemoryCommentRepository:
    def __init__(self, work: MemoryStore) -> None:
        self._work = work

    async def add(self, comment: Comment) -> None:
        comment.id = self._work.next_comment_id
        self._work.next_comment_id += 1
        self._work.comments[comment.id] = comment

    async def thread(
        self, ticket_id: int, *, public_only: bool, after_id: int, limit: int
    ) -> list[Comment]:
        target = self._work.tickets.get(ticket_id)
        customer = target.customer_email if target else None
        merged = {
            t.id
            for t in self._work.tickets.values()
            if t.merged_into_id == ticket_id and (not public_only or t.customer_email == customer)
        }
        found = [
            copy.deepcopy(c)
            for c in sorted(self._work.comments.values(), key=lambda c: c.id)
            if (c.ticket_id == ticket_id or c.ticket_id in merged)
            and c.id > after_id
            and (c.public or not public_only)
        ]
        return found[:limit]
