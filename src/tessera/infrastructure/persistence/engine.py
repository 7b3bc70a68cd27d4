"""Engine construction: one place that knows the per-database settings."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from tessera.infrastructure.persistence.direct import attach_direct_reads, close_direct_reads


def json_dumps(value: Any) -> str:
    """JSON for JSON columns: RFC 3339 timestamps with ``Z``, as on the wire."""
    return orjson.dumps(value, option=orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS).decode()


def create_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> AsyncEngine:
    """An async engine for ``postgresql+asyncpg://`` or ``sqlite+aiosqlite://`` URLs.

    Bound parameters (webhook secrets, comment bodies, descriptions) never appear in an error
    message, so neither in a log line, a traceback nor a span event (``hide_parameters``).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_async_engine(
            url,
            echo=echo,
            hide_parameters=True,
            json_serializer=json_dumps,
            json_deserializer=orjson.loads,
        )
        _configure_sqlite(engine)
        return engine
    engine = create_async_engine(
        url,
        echo=echo,
        hide_parameters=True,
        # Twice the configured size kept open: a connection opened for a burst and closed
        # when it ends (overflow) costs more than the statements it served.
        pool_size=2 * pool_size,
        max_overflow=pool_size,
        # No ping per checkout (a round trip before every statement): a connection the
        # server closed is noticed by the driver without one (see _skip_closed), and one
        # that fails mid-statement is invalidated with the rest of the pool.
        pool_pre_ping=False,
        pool_recycle=1800,
        json_serializer=json_dumps,
        json_deserializer=orjson.loads,
    )
    _hide_row_values(engine)
    _skip_closed(engine)
    attach_direct_reads(engine, size=pool_size)
    return engine


async def dispose_engine(engine: AsyncEngine) -> None:
    """Close the engine's connections: its direct pool's (PostgreSQL), then its own."""
    await close_direct_reads(engine)
    await engine.dispose()


def _skip_closed(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine.pool, "checkout")
    def _check(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        # asyncpg reads its socket all the time, so a connection the server ended (a restart,
        # pg_terminate_backend) is already marked closed here: the pool replaces it, at no
        # cost to the request (DisconnectionError makes it open another).
        if record.driver_connection is not None and record.driver_connection.is_closed():
            raise DisconnectionError("the server closed this connection")


def _hide_row_values(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "handle_error")
    def _drop_detail(context: Any) -> None:
        # PostgreSQL's DETAIL repeats the values of the row that broke a constraint ("Failing
        # row contains (...)", "Key (...)=(...)"), and asyncpg renders it in the error's text,
        # so in every traceback: the values stay in the database's hands, like the parameters.
        error: BaseException | None = context.original_exception
        seen: set[int] = set()
        while error is not None and id(error) not in seen:
            seen.add(id(error))
            if getattr(error, "detail", None) and hasattr(error, "sqlstate"):
                error.detail = None  # type: ignore[attr-defined]
            error = error.__cause__ or error.__context__


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself (see below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A deferred transaction: readers never wait under WAL, and a writer whose snapshot went
        # stale meanwhile fails at once (SQLITE_BUSY_SNAPSHOT), which the repositories report as
        # the same optimistic-concurrency conflict PostgreSQL gives.
        # ``sqlite_begin="IMMEDIATE"`` (an execution option) takes the write lock up front.
        options = connection.get_execution_options()
        if options.get("isolation_level") != "AUTOCOMMIT":
            connection.exec_driver_sql(f"BEGIN {options.get('sqlite_begin', 'DEFERRED')}")


def writer(engine: AsyncEngine) -> AsyncEngine:
    """The engine for background writers' transactions: on SQLite they take the write lock
    at BEGIN, so they wait their turn instead of failing on a snapshot that went stale while
    they waited (no effect on PostgreSQL)."""
    if engine.dialect.name != "sqlite":
        return engine  # an option engine per unit of work would copy options and events
    return engine.execution_options(sqlite_begin="IMMEDIATE")
