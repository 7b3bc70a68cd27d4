"""The hottest statements of a write, run by asyncpg itself in the unit of work's transaction.

Through SQLAlchemy a statement costs about 100 µs of CPU beyond the driver's own work (a
greenlet hop each way, the execution context, the result object); opening a ticket runs
three of them. A ``DriverStatement`` is the same Core statement, compiled once per column set
for the engine's dialect: its values pass through the columns' own bind processors (a
timestamp's time zone check, a JSON document's serialisation) exactly as SQLAlchemy would
apply them, and asyncpg runs the SQL on the connection the unit of work holds. Rows come
back as the driver gives them, so a statement reads only columns whose values need no
conversion on PostgreSQL (ids, strings, numbers, booleans, timestamps with time zone).
A broken constraint raises SQLAlchemy's ``IntegrityError``, as through the engine; other
driver errors are raised as they are (``errors.py`` reads both kinds). Inside a recorded span
each statement gets its child span, as the engine's instrumentation gives its statements.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import asyncpg
from opentelemetry import trace
from sqlalchemy import Insert, Select
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

_Processor = Callable[[Any], Any] | None


class _Compiled:
    __slots__ = ("names", "processors", "sql")

    def __init__(self, statement: Select[Any] | Insert, dialect: Dialect, keys: Sequence[str]):
        compiled = statement.compile(dialect=dialect, column_keys=list(keys) or None)
        self.sql = str(compiled)
        self.names: tuple[str, ...] = tuple(compiled.positiontup or ())
        self.processors: tuple[_Processor, ...] = tuple(
            compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in self.names
        )

    def args(self, values: Mapping[str, Any]) -> list[Any]:
        return [
            value if process is None or value is None else process(value)
            for value, process in zip(
                (values[name] for name in self.names), self.processors, strict=True
            )
        ]


class DriverStatement:
    """One Core statement whose values are all named bind parameters (a SELECT's, or an
    INSERT's columns, given by the keys of the values). Without a driver connection (SQLite)
    it runs through SQLAlchemy on ``conn``, with the same results."""

    def __init__(self, statement: Select[Any] | Insert) -> None:
        self._statement = statement
        self._compiled: dict[tuple[str, tuple[str, ...]], _Compiled] = {}

    async def row(
        self,
        conn: AsyncConnection,
        driver: asyncpg.Connection | None,
        values: Mapping[str, Any],
    ) -> Mapping[Any, Any] | None:
        """The first row (of a SELECT, or of an INSERT's RETURNING)."""
        if driver is None:
            return (await conn.execute(self._statement, dict(values))).mappings().first()
        compiled = self._for(conn.dialect, values)
        with _run(compiled.sql, conn):
            row: Mapping[Any, Any] | None = await driver.fetchrow(
                compiled.sql, *compiled.args(values)
            )
        return row

    async def execute_many(
        self,
        conn: AsyncConnection,
        driver: asyncpg.Connection | None,
        rows: Sequence[Mapping[str, Any]],
    ) -> None:
        """An INSERT of rows that all have the same keys, in one round trip."""
        if not rows:
            return
        if driver is None:
            await conn.execute(self._statement, [dict(row) for row in rows])
            return
        compiled = self._for(conn.dialect, rows[0])
        with _run(compiled.sql, conn):
            await driver.executemany(compiled.sql, [compiled.args(row) for row in rows])

    def _for(self, dialect: Dialect, values: Mapping[str, Any]) -> _Compiled:
        keys = tuple(values) if isinstance(self._statement, Insert) else ()
        found = self._compiled.get((dialect.name, keys))
        if found is None:
            found = self._compiled[(dialect.name, keys)] = _Compiled(self._statement, dialect, keys)
        return found


_tracer = trace.get_tracer("tessera.sql")


@contextmanager
def _run(sql: str, conn: AsyncConnection) -> Iterator[None]:
    if not trace.get_current_span().is_recording():  # tracing off, or this trace unsampled
        with _constraints(sql):
            yield
        return
    database = conn.engine.url.database or ""
    with (
        _tracer.start_as_current_span(
            f"{sql.split(None, 1)[0]} {database}".strip(),
            kind=trace.SpanKind.CLIENT,
            attributes={"db.system": "postgresql", "db.name": database, "db.statement": sql},
        ),
        _constraints(sql),
    ):
        yield


@contextmanager
def _constraints(sql: str) -> Iterator[None]:
    try:
        yield
    except asyncpg.IntegrityConstraintViolationError as error:  # SQLSTATE class 23
        raise IntegrityError(sql, None, error, hide_parameters=True) from error
