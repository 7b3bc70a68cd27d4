"""Leases in the database: one row per name, taken by a conditional UPDATE (renew, or take an
expired lease) or else an INSERT that only one taker can win; the same on PostgreSQL and
SQLite."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, or_, update
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.infrastructure.persistence.engine import writer
from tessera.infrastructure.persistence.errors import database_errors
from tessera.infrastructure.persistence.tables import leases
from tessera.infrastructure.persistence.upserts import insert_ignoring_duplicates


class SqlAlchemyLeaseStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = writer(engine)

    async def acquire(self, name: str, *, holder: str, now: datetime, ttl: timedelta) -> bool:
        expires_at = now + ttl
        async with database_errors(), self._engine.begin() as conn:
            # Two takers of an expired lease: the second UPDATE waits for the first's commit
            # and then no longer matches (PostgreSQL re-checks the row; SQLite has one writer).
            taken = await conn.execute(
                update(leases)
                .where(
                    leases.c.name == name,
                    or_(leases.c.holder == holder, leases.c.expires_at <= now),
                )
                .values(holder=holder, expires_at=expires_at)
            )
            if taken.rowcount == 1:
                return True
            inserted = await conn.execute(
                insert_ignoring_duplicates(leases, dialect=conn.dialect.name),
                {"name": name, "holder": holder, "expires_at": expires_at},
            )
            return inserted.rowcount == 1

    async def release(self, name: str, *, holder: str) -> None:
        async with database_errors(), self._engine.begin() as conn:
            await conn.execute(
                delete(leases).where(leases.c.name == name, leases.c.holder == holder)
            )
