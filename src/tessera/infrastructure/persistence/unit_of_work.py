"""SQLAlchemy unit of work: one connection, one transaction, events into the outbox."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Self

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from tessera.application.errors import ConflictError, ServiceUnavailableError
from tessera.domain.events import PeopleEvent, StoredEvent
from tessera.infrastructure.persistence.attachments import SqlAlchemyAttachmentRepository
from tessera.infrastructure.persistence.engine import writer
from tessera.infrastructure.persistence.errors import (
    UNAVAILABLE_MESSAGE,
    is_retryable_conflict,
    is_sqlite_lock,
    is_unavailable,
)
from tessera.infrastructure.persistence.inbound_outcomes import SqlAlchemyInboundOutcomes
from tessera.infrastructure.persistence.mailboxes import SqlAlchemyMailboxRegistry, held_addresses
from tessera.infrastructure.persistence.mappers import outbox_row, people_outbox_row
from tessera.infrastructure.persistence.people import (
    SqlAlchemyGroupRepository,
    SqlAlchemyOrganizationRepository,
    SqlAlchemyUserRepository,
)
from tessera.infrastructure.persistence.repositories import (
    SqlAlchemyCommentRepository,
    SqlAlchemyTicketRepository,
    SqlAlchemyTokenRepository,
)
from tessera.infrastructure.persistence.tables import event_subjects, outbox
from tessera.infrastructure.persistence.upserts import insert_or_increment

TraceparentSource = Callable[[], str | None]
# Runs after a successful commit; a failing listener is logged, the commit stands.
CommitListener = Callable[[list[StoredEvent]], Awaitable[None]]

logger = logging.getLogger("tessera.uow")


def _no_trace() -> str | None:
    return None


_INSERT_EVENTS = insert(outbox)  # built once (its cache key memoised)


class SqlAlchemyUnitOfWork:
    """Connects lazily: a use case served entirely from a cache never touches the database.

    ``on_commit`` listeners run after a successful commit with the events that were written.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        traceparent: TraceparentSource = _no_trace,
        on_commit: tuple[CommitListener, ...] = (),
    ) -> None:
        self._engine = engine
        self._traceparent = traceparent
        self._on_commit = on_commit
        self._conn: AsyncConnection | None = None
        self.tickets = SqlAlchemyTicketRepository(self._connection)
        self.tokens = SqlAlchemyTokenRepository(self._connection)
        self.comments = SqlAlchemyCommentRepository(self._connection)
        self.mailboxes = SqlAlchemyMailboxRegistry(self._connection, known=held_addresses(engine))
        self.users = SqlAlchemyUserRepository(self._connection)
        self.organizations = SqlAlchemyOrganizationRepository(self._connection)
        self.groups = SqlAlchemyGroupRepository(self._connection)
        self.attachments = SqlAlchemyAttachmentRepository(self._connection)
        # the e-mail channel: a message's outcome commits with what it made
        self.inbound_messages = SqlAlchemyInboundOutcomes(self._connection)
        self._people_events: list[PeopleEvent] = []

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                if conn.in_transaction():
                    await conn.rollback()
            finally:
                await conn.close()
        if exc is not None and is_sqlite_lock(exc):
            # SQLite's one writer: this transaction's snapshot went stale while it waited
            # for the lock. Nothing was written; the use case may simply run again.
            raise ConflictError("The database was busy with another write") from exc
        if exc is not None and is_retryable_conflict(exc):
            # A deadlock or serialization failure: the database rolled this transaction back
            # so that another could go on; the use case runs again on the fresh state.
            raise ConflictError("The database gave way to a concurrent write") from exc
        if exc is not None and is_unavailable(exc):
            raise ServiceUnavailableError(UNAVAILABLE_MESSAGE) from exc

    def record(self, event: PeopleEvent) -> None:
        self._people_events.append(event)

    async def commit(self) -> None:
        ticket_events = [e for ticket in self.tickets.seen() for e in ticket.pull_events()]
        people_events, self._people_events = self._people_events, []
        events: list[StoredEvent] = [*ticket_events, *people_events]
        if self._conn is None and not events:
            return
        conn = await self._connection()
        if events:
            traceparent = self._traceparent()
            # People events first: a customer created on the way exists before their ticket.
            rows = [
                people_outbox_row(
                    event, sequence=await _next_sequence(conn, event), traceparent=traceparent
                )
                for event in people_events
            ]
            rows += [outbox_row(e, traceparent=traceparent) for e in ticket_events]
            await conn.execute(_INSERT_EVENTS, rows)
        await conn.commit()
        for listener in self._on_commit:
            try:
                await listener(events)
            except Exception:
                logger.exception("a commit listener failed")

    async def _connection(self) -> AsyncConnection:
        if self._conn is None:
            # SQLite has one writer: a unit of work takes the write lock at BEGIN and waits
            # its turn (busy timeout) instead of reading a snapshot that another writer (the
            # relay, a consumer) could make stale before it writes. Units of work on SQLite
            # therefore run one after another; PostgreSQL keeps optimistic concurrency.
            self._conn = await writer(self._engine).connect()
            await self._conn.begin()
        return self._conn


async def _next_sequence(conn: AsyncConnection, event: PeopleEvent) -> int:
    """The subject's next sequence: its counter row, locked until this transaction ends, so
    concurrent writers about one subject take their numbers one after another."""
    statement = insert_or_increment(
        event_subjects,
        dialect=conn.dialect.name,
        keys=("subject_kind", "subject_id"),
        counter="last_sequence",
    ).values(subject_kind=event.subject_kind, subject_id=event.subject_id, last_sequence=1)
    return int((await conn.execute(statement)).scalar_one())
