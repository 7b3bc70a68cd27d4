"""SQLAlchemy unit of work: one connection, one transaction, events into the outbox.

On PostgreSQL the transaction is asyncpg's own, on the connection SQLAlchemy lends in
autocommit mode: SQLAlchemy's statements and the hot ones the driver runs itself
(``driver.py``) then share it. (SQLAlchemy's asyncpg adapter sends BEGIN only before its
own first statement, so a transaction it began would not yet be open for the driver's.)
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Self

import asyncpg
from asyncpg.transaction import Transaction
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from tessera.application.errors import ConflictError, ServiceUnavailableError
from tessera.domain.events import PeopleEvent, StoredEvent
from tessera.infrastructure.persistence.attachments import SqlAlchemyAttachmentRepository
from tessera.infrastructure.persistence.driver import DriverStatement
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


_INSERT_EVENTS = DriverStatement(insert(outbox))

# Each engine's autocommit twin, made once (an option engine copies options and events).
_AUTOCOMMIT: weakref.WeakKeyDictionary[AsyncEngine, AsyncEngine] = weakref.WeakKeyDictionary()


def _autocommit(engine: AsyncEngine) -> AsyncEngine:
    found = _AUTOCOMMIT.get(engine)
    if found is None:
        found = _AUTOCOMMIT[engine] = engine.execution_options(isolation_level="AUTOCOMMIT")
    return found


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
        # PostgreSQL: the driver's connection under ``_conn``, and its open transaction.
        self._on_driver = engine.dialect.name == "postgresql"
        self._driver: asyncpg.Connection | None = None
        self._transaction: Transaction | None = None
        self.tickets = SqlAlchemyTicketRepository(self._connection, driver=self._driver_connection)
        self.tokens = SqlAlchemyTokenRepository(self._connection)
        self.comments = SqlAlchemyCommentRepository(self._connection)
        self.mailboxes = SqlAlchemyMailboxRegistry(self._connection, known=held_addresses(engine))
        self.users = SqlAlchemyUserRepository(self._connection, driver=self._driver_connection)
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
        # The server ended the driver's connection: whatever the driver raised (asyncpg may
        # report it as a protocol state error), the database is what failed.
        lost = self._driver is not None and self._driver.is_closed()
        if conn is not None:
            try:
                if self._on_driver:
                    await self._end_driver_transaction(conn)
                elif conn.in_transaction():
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
        if exc is not None and (lost or is_unavailable(exc)):
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
            await _INSERT_EVENTS.execute_many(conn, await self._driver_connection(), rows)
        if self._transaction is not None:
            transaction, self._transaction = self._transaction, None
            await transaction.commit()
        else:
            await conn.commit()
        for listener in self._on_commit:
            try:
                await listener(events)
            except Exception:
                logger.exception("a commit listener failed")

    async def _connection(self) -> AsyncConnection:
        if self._on_driver:
            return await self._driver_transaction()
        if self._conn is None:
            # SQLite has one writer: a unit of work takes the write lock at BEGIN and waits
            # its turn (busy timeout) instead of reading a snapshot that another writer (the
            # relay, a consumer) could make stale before it writes. Units of work on SQLite
            # therefore run one after another; PostgreSQL keeps optimistic concurrency.
            self._conn = await writer(self._engine).connect()
            await self._conn.begin()
        return self._conn

    async def _driver_connection(self) -> asyncpg.Connection | None:
        """The driver's connection in this unit of work's transaction (None on SQLite)."""
        if not self._on_driver:
            return None
        await self._driver_transaction()
        return self._driver

    async def _driver_transaction(self) -> AsyncConnection:
        if self._conn is None:
            conn = await _autocommit(self._engine).connect()
            try:
                self._driver = (await conn.get_raw_connection()).driver_connection
            except BaseException:
                await conn.close()
                raise
            self._conn = conn
        if self._transaction is None:  # the first statement, or the first after a commit
            assert self._driver is not None
            transaction = self._driver.transaction()
            try:
                await transaction.start()
            except BaseException:
                await self._conn.invalidate()  # asyncpg still counts the failed BEGIN as open
                raise
            self._transaction = transaction
        return self._conn

    async def _end_driver_transaction(self, conn: AsyncConnection) -> None:
        """Roll back what was not committed. A connection left in a transaction (its
        rollback failed, or was cancelled) or closed is discarded, never pooled."""
        transaction, self._transaction = self._transaction, None
        driver, self._driver = self._driver, None
        try:
            if transaction is not None and driver is not None and not driver.is_closed():
                await transaction.rollback()
        except Exception:
            # Discarding the connection ends the transaction on the server as well; what
            # the use case raised (if anything) is the error to report, not this one.
            logger.warning("a rollback failed; the connection is discarded", exc_info=True)
            await conn.invalidate()
            return
        except BaseException:  # cancelled mid-rollback
            await conn.invalidate()
            raise
        if driver is not None and (driver.is_closed() or driver.is_in_transaction()):
            await conn.invalidate()


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
