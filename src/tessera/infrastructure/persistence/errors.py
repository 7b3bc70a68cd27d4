"""Translate database connectivity failures into the application's ServiceUnavailableError."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from tessera.application.errors import ServiceUnavailableError

UNAVAILABLE_MESSAGE = "The database is unavailable; try again shortly"


# SQLSTATEs that mean "the server cannot serve right now": connection exceptions (class 08),
# shutdown and start-up (57P01-57P03), too many connections (53300).
_UNAVAILABLE_STATES = ("08", "57P01", "57P02", "57P03", "53300")


def is_unavailable(error: BaseException) -> bool:
    """Connection-level failures (as opposed to bad SQL or broken constraints)."""
    if isinstance(error, OperationalError | InterfaceError | PoolTimeoutError | OSError):
        return not is_sqlite_lock(error)
    if isinstance(error, asyncpg.PostgresError | asyncpg.InterfaceError):
        # Raised by statements the driver runs itself (readers.py, driver.py).
        return _unavailable_driver_error(error)
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    return _unavailable_driver_error(error.orig)


def _unavailable_driver_error(error: BaseException | None) -> bool:
    if isinstance(error, asyncpg.ConnectionDoesNotExistError):
        return True
    if isinstance(error, asyncpg.InterfaceError) and "connection is closed" in str(error):
        return True
    state = _sqlstate(error)
    if state is not None and state.startswith(_UNAVAILABLE_STATES):
        return True
    return "not currently accepting connections" in str(error)


def _sqlstate(original: BaseException | None) -> str | None:
    for candidate in (original, getattr(original, "__cause__", None)):
        state = getattr(candidate, "sqlstate", None)
        if isinstance(state, str):
            return state
    return None


# Deadlock detected (40P01) and serialization failure (40001): PostgreSQL rolled the whole
# transaction back, and running it again is the documented remedy.
_RETRYABLE_STATES = ("40P01", "40001")


def is_retryable_conflict(error: BaseException) -> bool:
    """PostgreSQL gave up on this transaction because of another one; nothing was written."""
    if isinstance(error, asyncpg.PostgresError):  # from a statement the driver ran itself
        return _sqlstate(error) in _RETRYABLE_STATES
    return isinstance(error, DBAPIError) and _sqlstate(error.orig) in _RETRYABLE_STATES


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
