"""The unit of work's own transaction on PostgreSQL (asyncpg's, with the hot statements run
by the driver itself) and SQLite's through SQLAlchemy: the same outcomes on both, and on
PostgreSQL no connection goes back to the pool inside a transaction, whatever happened."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from sqlalchemy import event, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.application.errors import ConflictError
from tessera.infrastructure.persistence.driver import DriverStatement
from tessera.infrastructure.persistence.errors import is_retryable_conflict
from tessera.infrastructure.persistence.tables import outbox, tickets
from tessera.infrastructure.persistence.unit_of_work import SqlAlchemyUnitOfWork
from tests.support import make_ticket


@pytest.fixture
def returned_in_transaction(engine: AsyncEngine) -> Iterator[list[bool]]:
    """For each connection the pool takes back on PostgreSQL: was it inside a transaction?"""
    seen: list[bool] = []

    def checkin(dbapi_connection: Any, _record: Any) -> None:
        if dbapi_connection is not None and engine.dialect.name == "postgresql":
            seen.append(dbapi_connection.driver_connection.is_in_transaction())

    event.listen(engine.sync_engine.pool, "checkin", checkin)
    yield seen
    event.remove(engine.sync_engine.pool, "checkin", checkin)


async def _count(engine: AsyncEngine, table: Any) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def test_what_is_not_committed_is_rolled_back_and_the_connection_comes_back_clean(
    engine: AsyncEngine, returned_in_transaction: list[bool]
) -> None:
    async with SqlAlchemyUnitOfWork(engine) as uow:  # left without a commit
        await uow.tickets.add(make_ticket())

    async def failing() -> None:
        async with SqlAlchemyUnitOfWork(engine) as uow:
            await uow.tickets.add(make_ticket())
            raise RuntimeError("the use case failed")

    with pytest.raises(RuntimeError):
        await failing()
    assert await _count(engine, tickets) == 0
    assert await _count(engine, outbox) == 0
    assert True not in returned_in_transaction
    if engine.dialect.name == "postgresql":
        assert len(returned_in_transaction) >= 3


async def test_statements_after_a_commit_are_a_new_transaction(engine: AsyncEngine) -> None:
    committed, dropped = make_ticket(title="Kept"), make_ticket(title="Dropped")
    async with SqlAlchemyUnitOfWork(engine) as uow:
        await uow.tickets.add(committed)
        await uow.commit()
        await uow.tickets.add(dropped)  # never committed
    async with engine.connect() as conn:
        titles = (await conn.execute(select(tickets.c.title))).scalars().all()
    assert titles == ["Kept"]
    assert await _count(engine, outbox) == 1


async def test_a_failed_commit_leaves_nothing_and_a_clean_connection(
    engine: AsyncEngine, returned_in_transaction: list[bool]
) -> None:
    first = make_ticket()
    async with SqlAlchemyUnitOfWork(engine) as uow:
        await uow.tickets.add(first)
        await uow.commit()
    async with engine.connect() as conn:
        stored = (await conn.execute(select(outbox.c.event_id))).scalar_one()
    second = make_ticket(title="Second")
    created = second._events[0]
    fields = ("ticket_id", "sequence", "actor", "occurred_at", "snapshot")
    # a clash with the stored event's id: the outbox insert fails at commit
    second._events[0] = type(created)(**{f: getattr(created, f) for f in fields}, event_id=stored)
    async with SqlAlchemyUnitOfWork(engine) as uow:
        await uow.tickets.add(second)
        with pytest.raises(IntegrityError):  # the engine's error class, from the driver too
            await uow.commit()
    assert await _count(engine, tickets) == 1
    assert True not in returned_in_transaction
    # and the pool's connections still work
    async with SqlAlchemyUnitOfWork(engine) as uow:
        await uow.tickets.add(make_ticket(title="Third"))
        await uow.commit()
    assert await _count(engine, tickets) == 2


async def test_a_driver_statement_applies_the_columns_bind_rules(engine: AsyncEngine) -> None:
    statement = DriverStatement(insert(outbox))
    row = {
        "event_id": "e-1",
        "event_type": "ticket.created",
        "ticket_id": 1,
        "sequence": 1,
        "actor": "user:1",
        "occurred_at": datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        "data": {"ticket": {"id": 1, "tags": ["a"]}},
        "traceparent": None,
        "subject_kind": "ticket",
        "subject_id": 1,
    }
    naive = {**row, "event_id": "e-2", "occurred_at": datetime(2026, 3, 2, 9)}  # noqa: DTZ001
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection if engine.dialect.name == "postgresql" else None
        with pytest.raises(Exception, match="naive datetime"):  # UtcDateTime's own rule
            await statement.execute_many(conn, driver, [naive])
        await conn.rollback()
        await statement.execute_many(conn, driver, [row])
        await conn.commit()
    async with engine.connect() as conn:
        stored = (await conn.execute(select(outbox))).mappings().one()
    assert stored["data"] == {"ticket": {"id": 1, "tags": ["a"]}}  # a document, not a string
    assert stored["occurred_at"] == row["occurred_at"]
    assert stored["event_id"] == "e-1"


async def test_a_deadlock_from_the_driver_is_a_conflict_to_run_again(engine: AsyncEngine) -> None:
    assert not is_retryable_conflict(asyncpg.UniqueViolationError("duplicate key"))

    async def deadlocked() -> None:
        async with SqlAlchemyUnitOfWork(engine) as uow:
            await uow.tickets.add(make_ticket())
            raise asyncpg.DeadlockDetectedError("deadlock detected")

    with pytest.raises(ConflictError):
        await deadlocked()
    assert await _count(engine, tickets) == 0


async def test_a_broken_constraint_is_the_engines_integrity_error(engine: AsyncEngine) -> None:
    statement = DriverStatement(insert(tickets).returning(tickets.c.id))
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection if engine.dialect.name == "postgresql" else None
        with pytest.raises(IntegrityError):  # NOT NULL: a ticket needs a title
            await statement.row(conn, driver, {"title": None, "description": "d"})
