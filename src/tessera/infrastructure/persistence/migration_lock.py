"""One migration runner at a time: a PostgreSQL advisory lock, or a file lock for SQLite."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from filelock import FileLock, Timeout
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

# An arbitrary constant that names "Tessera schema migrations" among advisory locks.
ADVISORY_LOCK_KEY = 0x7E55E7A


class MigrationLockedError(RuntimeError):
    """Another runner holds the lock and the caller chose not to wait."""


@asynccontextmanager
async def migration_lock(
    engine: AsyncEngine, *, wait: bool, on_wait: Callable[[], None] = lambda: None
) -> AsyncIterator[None]:
    """Hold the lock for the body. ``on_wait`` is called once if another runner has it."""
    if engine.dialect.name == "postgresql":
        async with _advisory_lock(engine, wait=wait, on_wait=on_wait):
            yield
    else:
        async with _file_lock(engine, wait=wait, on_wait=on_wait):
            yield


@asynccontextmanager
async def _advisory_lock(
    engine: AsyncEngine, *, wait: bool, on_wait: Callable[[], None]
) -> AsyncIterator[None]:
    # A session-level lock on its own connection: it outlives the migration's transaction
    # and is released if this process dies (the server drops the session).
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        key = {"key": ADVISORY_LOCK_KEY}
        if not await conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), key):
            if not wait:
                raise MigrationLockedError("another migration runner holds the lock")
            on_wait()
            await conn.execute(text("SELECT pg_advisory_lock(:key)"), key)
        try:
            yield
        finally:
            await conn.execute(text("SELECT pg_advisory_unlock(:key)"), key)


@asynccontextmanager
async def _file_lock(
    engine: AsyncEngine, *, wait: bool, on_wait: Callable[[], None]
) -> AsyncIterator[None]:
    database = make_url(str(engine.url)).database or ""
    path = Path(f"{database}.migrate.lock") if database and database != ":memory:" else None
    if path is None:  # an in-memory database has only this process to race with
        yield
        return
    lock = FileLock(str(path))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if not wait:
            raise MigrationLockedError("another migration runner holds the lock") from None
        on_wait()
        await asyncio.to_thread(lock.acquire)
    try:
        yield
    finally:
        lock.release()
