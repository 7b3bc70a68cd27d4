"""The pool without a ping per checkout, and the reads that use asyncpg directly (on the
engine's direct pool): a connection the server ended is replaced without a failed request,
connection-level driver errors are the same 503 as SQLAlchemy's, and the direct pool closes
with the engine."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text

from tessera.application.errors import ServiceUnavailableError
from tessera.application.queries import ListTickets, SlaView
from tessera.domain.tickets.status import Status
from tessera.infrastructure.persistence import readers
from tessera.infrastructure.persistence.direct import close_direct_reads, direct_reads
from tessera.infrastructure.persistence.engine import create_engine
from tessera.infrastructure.persistence.errors import database_errors, is_unavailable
from tessera.infrastructure.persistence.readers import SqlAlchemyTicketReader
from tests.support import POSTGRES_URL

pytestmark = pytest.mark.postgres


async def _end_every_connection(database_url: str) -> int:
    admin = create_engine(POSTGRES_URL)
    try:
        async with admin.connect() as conn:
            ended = await conn.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": database_url.rsplit("/", 1)[1]},
            )
            return int(ended.scalar_one())
    finally:
        await admin.dispose()


async def test_reads_go_on_after_the_server_ended_every_pooled_connection(
    postgres_url: str,
) -> None:
    engine = create_engine(postgres_url, pool_size=2)
    reader = SqlAlchemyTicketReader(engine)
    try:
        await asyncio.gather(*(reader.list(ListTickets()) for _ in range(4)))
        assert direct_reads(engine).connections() == (0, 2, 2)  # both kept, none in use
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        assert engine.pool.checkedin() == 1  # type: ignore[attr-defined]
        assert await _end_every_connection(postgres_url) == 3
        await asyncio.sleep(0.2)  # the driver reads the end of each connection meanwhile
        # No ping, and yet no failed read: the pool replaces each closed connection.
        for _ in range(4):
            assert (await reader.list(ListTickets())).items == []
            assert await reader.get(1) is None
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT 1"))).scalar_one() == 1
    finally:
        await engine.dispose()


async def test_the_direct_pool_closes_with_the_engine(postgres_url: str) -> None:
    engine = create_engine(postgres_url, pool_size=2)
    reader = SqlAlchemyTicketReader(engine)
    await asyncio.gather(*(reader.get(n) for n in range(1, 5)))
    assert direct_reads(engine).connections()[1] == 2
    await engine.dispose()  # an engine that is only disposed ends its direct pool too
    assert direct_reads(engine).connections() == (0, 0, 2)
    await asyncio.sleep(0.2)
    assert await _end_every_connection(postgres_url) == 0
    assert await reader.get(1) is None  # and a read after it opens the pool again
    await close_direct_reads(engine)
    assert direct_reads(engine).connections() == (0, 0, 2)
    await engine.dispose()


def test_the_pool_keeps_twice_the_configured_connections_and_pings_none() -> None:
    engine = create_engine("postgresql+asyncpg://postgres@127.0.0.1:1/none", pool_size=3)
    assert engine.pool.size() == 6  # type: ignore[attr-defined]
    assert engine.pool._pre_ping is False


async def test_connection_level_driver_errors_are_service_unavailable() -> None:
    for error in (
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.InterfaceError("cannot call Connection.fetch(): connection is closed"),
        asyncpg.CannotConnectNowError("the database system is starting up"),
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.TooManyConnectionsError("sorry, too many clients already"),
    ):
        assert is_unavailable(error), error
        with pytest.raises(ServiceUnavailableError):
            async with database_errors():
                raise error
    assert not is_unavailable(asyncpg.PostgresSyntaxError("syntax error"))
    assert not is_unavailable(asyncpg.InterfaceError("another operation is in progress"))


async def test_a_list_query_asked_again_builds_no_statement(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[ListTickets] = []
    build = readers.list_statement

    def counted(query: ListTickets, **kwargs: Any) -> Any:
        built.append(query)
        return build(query, **kwargs)

    monkeypatch.setattr(readers, "list_statement", counted)
    engine = create_engine(postgres_url, pool_size=2)
    reader = SqlAlchemyTicketReader(engine)
    try:
        # As the use case asks them: each stamped with the moment it was asked.
        def asked(**filters: Any) -> ListTickets:
            return ListTickets(**filters, now=datetime.now(UTC))

        await reader.list(asked(statuses=(Status.OPEN,), limit=5))
        first = len(built)
        assert first >= 1
        await reader.list(asked(statuses=(Status.OPEN,), limit=5))  # an equal query, later
        assert len(built) == first
        # Another value of the same shape: planned anew (its values), compiled SQL reused.
        await reader.list(asked(statuses=(Status.PENDING,), limit=5))
        assert len(built) == first + 1
        # A query that names a moment is never asked again: not kept.
        moment = datetime(2026, 1, 1, tzinfo=UTC)
        for _ in range(2):
            await reader.list(asked(updated_after=moment))
        assert len(built) == first + 1 + 2 + 1  # planned twice, compiled once
        # Nor one whose moment is part of the statement (the SLA filters compare with it).
        before = len(built)
        for _ in range(2):
            await reader.list(asked(sla=SlaView.BREACHED))
        assert len(built) == before + 2 + 1  # planned twice, compiled once
    finally:
        await engine.dispose()
