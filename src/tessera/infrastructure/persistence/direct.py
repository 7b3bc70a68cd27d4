"""The hot statements' own pool: plain asyncpg connections beside the engine's SQLAlchemy pool.

A read through the engine pays for SQLAlchemy's checkout and checkin (a greenlet switch
each way, the pool's events, the adapted connection) on every request; asyncpg's own pool
hands out a connection in a few microseconds. These connections only ever run single
statements outside a transaction (the hot reads, and ``Prepared`` statements such as the
event consumers' bookkeeping), so the reset on release is skipped: asyncpg's default
(``RESET ALL``, ``UNLISTEN *``, ...) would be a second round trip per statement, undoing
what none of them did. An open transaction is still rolled back by the driver before any reset.

One pool per engine, opened at the first read (so that it belongs to the running event
loop) and closed with the engine: ``close_direct_reads`` at shutdown, and, for engines that
are only disposed, the engine's dispose terminates it. A connection the server ended is
replaced at the next checkout, as the engine's pool does.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import asyncpg
from sqlalchemy import Insert, Select, event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

from tessera.infrastructure.persistence.errors import database_errors


async def _unchanged(_connection: asyncpg.Connection) -> None:
    """The reset on release: these connections change no session state."""


class DirectReads:
    def __init__(self, dsn: str, *, size: int) -> None:
        self._dsn = dsn
        self._size = size
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()

    async def fetch(self, sql: str, *args: Any) -> list[Any]:
        """The rows of one statement (prepared once per connection by the driver)."""
        async with database_errors():
            pool = self._pool or await self._open()
            return list(await pool.fetch(sql, *args))

    async def execute(self, sql: str, *args: Any) -> None:
        """Run one statement in a transaction of its own."""
        async with database_errors():
            pool = self._pool or await self._open()
            await pool.execute(sql, *args)

    async def execute_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement for each row of arguments, in one round trip and one
        transaction."""
        async with database_errors():
            pool = self._pool or await self._open()
            await pool.executemany(sql, rows)

    def connections(self) -> tuple[int, int, int]:
        """(checked out, idle, most) connections, as the engine's pool metrics count them."""
        if self._pool is None:
            return 0, 0, self._size
        idle = self._pool.get_idle_size()
        return self._pool.get_size() - idle, idle, self._size

    async def _open(self) -> asyncpg.Pool:
        async with self._opening:
            if self._pool is None:
                # min_size=0: opening the pool connects to nothing, so it cannot fail; each
                # connection is opened by the first read that needs it and then kept.
                self._pool = await asyncpg.create_pool(
                    self._dsn, min_size=0, max_size=self._size, reset=_unchanged
                )
            return self._pool

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()

    def terminate(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.terminate()


_BY_ENGINE: weakref.WeakKeyDictionary[Any, DirectReads] = weakref.WeakKeyDictionary()


def attach_direct_reads(engine: AsyncEngine, *, size: int) -> DirectReads:
    """Give a PostgreSQL engine its direct pool of at most ``size`` connections."""
    dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    reads = _BY_ENGINE[engine.sync_engine] = DirectReads(dsn, size=size)
    event.listen(engine.sync_engine, "engine_disposed", lambda _engine: reads.terminate())
    return reads


def direct_reads(engine: AsyncEngine) -> DirectReads:
    """The engine's direct pool (attached by ``create_engine``, or now, as large as the
    engine's own pool)."""
    reads = _BY_ENGINE.get(engine.sync_engine)
    if reads is None:
        pool = engine.sync_engine.pool
        size = pool.size() if isinstance(pool, QueuePool) else 10
        reads = attach_direct_reads(engine, size=size)
    return reads


async def close_direct_reads(engine: AsyncEngine) -> None:
    reads = _BY_ENGINE.get(engine.sync_engine)
    if reads is not None:
        await reads.close()


def every_direct_pool() -> Iterator[DirectReads]:
    return iter(list(_BY_ENGINE.values()))


class Prepared:
    """One statement, whose values are all named bind parameters, run the cheapest way.

    On PostgreSQL: compiled once per engine and run by asyncpg on the direct pool, outside
    a transaction, so in a transaction of its own (one round trip; through the engine it is
    three, BEGIN and COMMIT or ROLLBACK around it, and SQLAlchemy's checkout). Elsewhere
    (SQLite): through the engine. Values go to the driver as given and rows come back as it
    gives them, so a statement uses only columns that need no conversion on either way (ids,
    strings, numbers, booleans, aware timestamps): no JSON documents.
    """

    def __init__(self, statement: Select[Any] | Insert) -> None:
        self._statement = statement
        self._compiled: weakref.WeakKeyDictionary[Any, tuple[str, tuple[str, ...]]] = (
            weakref.WeakKeyDictionary()
        )

    async def rows(self, engine: AsyncEngine, **values: Any) -> Sequence[Mapping[Any, Any]]:
        """The rows of a SELECT."""
        if engine.dialect.name != "postgresql":
            async with engine.connect() as conn:
                return (await conn.execute(self._statement, values)).mappings().all()
        sql, args = self._bound(engine, values)
        return await direct_reads(engine).fetch(sql, *args)

    async def execute(self, engine: AsyncEngine, **values: Any) -> None:
        """Run a write (committed when this returns)."""
        if engine.dialect.name != "postgresql":
            async with engine.begin() as conn:
                await conn.execute(self._statement, values)
            return
        sql, args = self._bound(engine, values)
        await direct_reads(engine).execute(sql, *args)

    async def execute_many(self, engine: AsyncEngine, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run a write once per row of values, all committed together when this returns."""
        if not rows:
            return
        if engine.dialect.name != "postgresql":
            async with engine.begin() as conn:
                await conn.execute(self._statement, [dict(row) for row in rows])
            return
        sql, names = self._compiled_for(engine)
        await direct_reads(engine).execute_many(sql, [[row[n] for n in names] for row in rows])

    def _bound(self, engine: AsyncEngine, values: dict[str, Any]) -> tuple[str, list[Any]]:
        text, names = self._compiled_for(engine)
        return text, [values[name] for name in names]

    def _compiled_for(self, engine: AsyncEngine) -> tuple[str, tuple[str, ...]]:
        compiled = self._compiled.get(engine.sync_engine)
        if compiled is None:
            compiled = self._compiled[engine.sync_engine] = positional(self._statement, engine)
        return compiled


def positional(statement: Select[Any] | Insert, engine: AsyncEngine) -> tuple[str, tuple[str, ...]]:
    """The statement's SQL for the driver, and the names of its parameters in order."""
    sql = statement.compile(dialect=engine.dialect)
    return str(sql), tuple(sql.positiontup or ())
