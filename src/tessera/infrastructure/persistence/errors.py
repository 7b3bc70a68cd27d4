"""Translate database connectivity failures into the application's ServiceUnavailableError."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from tessera.application.errors import ServiceUnavailableError

UNAVAILABLE_MESSAGE = "The database is unavailable; try again shortly"


def is_unavailable(error: BaseException) -> bool:
    """Connection-level failures (as opposed to bad SQL or broken constraints)."""
    if isinstance(error, OperationalError | InterfaceError | PoolTimeoutError | OSError):
        return not is_sqlite_lock(error)
    return isinstance(error, DBAPIError) and error.connection_invalidated


def is_sqlite_lock(error: BaseException) -> bool:
    """SQLite's one writer at a time: a stale snapshot, or the busy timeout ran out."""
    return isinstance(error, OperationalError) and "database is locked" in str(error)


@asynccontextmanager
async def database_errors() -> AsyncIterator[None]:
    try:
        yield
    except Exception as error:
        if is_unavailable(error):
            raise ServiceUnavailableError(UNAVAILABLE_MESSAGE) from error
        raise
