"""The migration ledger: one row per run, moved through the run state machine.

The runner owns this table the way Alembic owns ``alembic_version``: it exists before any
revision runs, so even the first migration of an empty database is recorded. Ledger writes
use their own autocommitted connection, so a rolled-back migration cannot erase its record.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from tessera.infrastructure.persistence.migration_state import RunState, advance
from tessera.infrastructure.persistence.schema import LEDGER_TABLE
from tessera.infrastructure.persistence.types import UtcDateTime

ledger_metadata = MetaData()
runs = Table(
    LEDGER_TABLE,
    ledger_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("environment", String(20), nullable=False),
    Column("direction", String(10), nullable=False),
    Column("from_revision", String(64), nullable=True),
    Column("to_revision", String(64), nullable=True),
    Column("state", String(20), nullable=False),
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime, nullable=True),
    Column("error", Text, nullable=True),
)


@dataclass(frozen=True, slots=True)
class RunRecord:
    id: int
    environment: str
    direction: str
    from_revision: str | None
    to_revision: str | None
    state: RunState
    host: str
    pid: int
    started_at: datetime
    finished_at: datetime | None
    error: str | None


class Ledger:
    """Records runs on an AUTOCOMMIT connection (each write stands on its own)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def ensure_table(self) -> None:
        await self._conn.run_sync(ledger_metadata.create_all)

    async def open_run(
        self, *, environment: str, direction: str, from_rev: str | None, to_rev: str | None
    ) -> int:
        result = await self._conn.execute(
            insert(runs).values(
                environment=environment,
                direction=direction,
                from_revision=from_rev,
                to_revision=to_rev,
                state=RunState.PENDING.value,
                host=socket.gethostname(),
                pid=os.getpid(),
                started_at=datetime.now(UTC),
            )
        )
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])

    async def move(self, run_id: int, new: RunState, *, error: str | None = None) -> None:
        stored = await self._conn.scalar(select(runs.c.state).where(runs.c.id == run_id))
        current = RunState(str(stored))
        advance(current, new)
        values: dict[str, object] = {"state": new.value}
        if new in (RunState.APPLIED, RunState.ROLLED_BACK):
            values["finished_at"] = datetime.now(UTC)
        if error is not None:
            values["error"] = error[:4000]
        await self._conn.execute(update(runs).where(runs.c.id == run_id).values(**values))

    async def recent(self, limit: int = 10) -> list[RunRecord]:
        rows = await self._conn.execute(select(runs).order_by(runs.c.id.desc()).limit(limit))
        return [RunRecord(**{**row, "state": RunState(row["state"])}) for row in rows.mappings()]
