"""A table as a retry queue (webhook deliveries, outgoing mail): claim what is due with a
lease, send outside any transaction, then record the outcome.

A claim moves ``next_attempt_at`` past the lease, in one short transaction, so other workers
skip the row while it is in flight (``SKIP LOCKED`` on PostgreSQL), and a worker that dies
mid-send only delays the row by the lease.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import RowMapping, Table, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.infrastructure.persistence.engine import writer

PENDING = "pending"


async def claim_due(
    engine: AsyncEngine,
    table: Table,
    *,
    now: datetime,
    lease: timedelta,
    limit: int,
    skip: tuple[str, Collection[Any]] | None = None,
) -> Sequence[RowMapping]:
    """Rows due by ``now``, leased until ``now + lease``. ``skip`` = (column, values) leaves
    out rows whose column holds one of the values (targets already busy)."""
    if limit <= 0:
        return []
    due = (
        select(table.c.id)
        .where(table.c.state == PENDING, table.c.next_attempt_at <= now)
        .order_by(table.c.next_attempt_at)
        .limit(limit)
    )
    if skip is not None and skip[1]:
        due = due.where(table.c[skip[0]].not_in(list(skip[1])))
    if engine.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    statement = (
        update(table)
        .where(table.c.id.in_(due.scalar_subquery()))
        .values(next_attempt_at=now + lease)
        .returning(*table.c)
    )
    async with writer(engine).begin() as conn:
        return (await conn.execute(statement)).mappings().all()


def backoff(
    attempts: int,
    *,
    base: timedelta,
    cap: timedelta,
    factor: int = 2,
    floor: float = 0.5,
    jitter: Callable[[float, float], float] = random.uniform,
) -> timedelta:
    """Exponential with jitter: between ``floor`` and all of ``base * factor**(attempts-1)``,
    capped. ``jitter(low, high)`` draws the fraction (replaced in tests)."""
    ceiling: timedelta = min(cap, base * factor ** min(attempts - 1, 20))
    return ceiling * jitter(floor, 1.0)
