"""Dead letters: failed deliveries counted per (consumer group, event id) in the database.

The count lives in the database, not in the broker, so it means the same on Redis Streams,
NATS JetStream and the in-process bus, and survives worker restarts. An event whose count
reaches the limit is dead: it is marked handled for its group (in ``processed_events``), so
the dispatcher skips it and the broker acknowledges it, until an admin replays it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import orjson
from sqlalchemy import RowMapping, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql import ColumnElement

from tessera.application.events.cloudevents import CloudEvent
from tessera.application.ports.dead_letters import DeadLetterView
from tessera.infrastructure.persistence.engine import writer
from tessera.infrastructure.persistence.tables import dead_letters, processed_events
from tessera.infrastructure.persistence.upserts import insert_ignoring_duplicates

logger = logging.getLogger("tessera.events")

DEFAULT_MAX_DELIVERIES = 5


def describe(error: BaseException) -> str:
    text = str(error)
    return (f"{type(error).__name__}: {text}" if text else type(error).__name__)[:2000]


def key(group: str, event_id: str) -> ColumnElement[bool]:
    return (dead_letters.c.consumer_group == group) & (dead_letters.c.event_id == event_id)


class FailureLog:
    """Counts failed deliveries and says when an event is dead."""

    def __init__(self, engine: AsyncEngine, *, max_deliveries: int = DEFAULT_MAX_DELIVERIES):
        self._engine = engine
        self._writer = writer(engine)
        self.max_deliveries = max_deliveries

    async def record(self, group: str, event: CloudEvent, error: BaseException) -> bool:
        """Count one failed delivery; True when the event is dead (now or already)."""
        now = datetime.now(UTC)
        message = describe(error)
        async with self._writer.begin() as conn:
            attempts = await _count(conn, group, event.id, message, now)
            if attempts is None:
                await conn.execute(
                    insert_ignoring_duplicates(dead_letters, dialect=conn.dialect.name),
                    {
                        "consumer_group": group,
                        "event_id": event.id,
                        "event_type": event.type,
                        "event": orjson.loads(orjson.dumps(event.to_dict())),
                        "error": message,
                        "attempts": 1,
                        "first_failed_at": now,
                        "last_failed_at": now,
                        "dead_at": None,
                    },
                )
                attempts = 1
            if attempts < self.max_deliveries:
                return False
            killed = await conn.execute(
                update(dead_letters)
                .where(key(group, event.id), dead_letters.c.dead_at.is_(None))
                .values(dead_at=now)
            )
            await conn.execute(
                insert_ignoring_duplicates(processed_events, dialect=conn.dialect.name),
                {"consumer_group": group, "event_id": event.id, "processed_at": now},
            )
        if killed.rowcount:
            logger.error(
                "event dead-lettered after %d failed deliveries: %s",
                attempts,
                message,
                extra={"group": group, "event_id": event.id},
            )
        return True

    async def clear(self, conn: AsyncConnection, group: str, event_id: str) -> None:
        """Forget the failures of an event its consumer has now handled."""
        await conn.execute(delete(dead_letters).where(key(group, event_id)))

    async def page(self, *, after_id: int, limit: int) -> list[DeadLetterView]:
        async with self._engine.connect() as conn:
            rows = await conn.execute(
                select(dead_letters)
                .where(dead_letters.c.dead_at.is_not(None), dead_letters.c.id > after_id)
                .order_by(dead_letters.c.id)
                .limit(limit)
            )
            return [view(row) for row in rows.mappings()]

    async def get(self, dead_letter_id: int) -> DeadLetterView | None:
        async with self._engine.connect() as conn:
            row = (
                (
                    await conn.execute(
                        select(dead_letters).where(
                            dead_letters.c.id == dead_letter_id, dead_letters.c.dead_at.is_not(None)
                        )
                    )
                )
                .mappings()
                .first()
            )
        return None if row is None else view(row)


async def _count(
    conn: AsyncConnection, group: str, event_id: str, message: str, now: datetime
) -> int | None:
    """One more failure on an existing record; None when the event had not failed before."""
    attempts = await conn.scalar(
        update(dead_letters)
        .where(key(group, event_id))
        .values(attempts=dead_letters.c.attempts + 1, error=message, last_failed_at=now)
        .returning(dead_letters.c.attempts)
    )
    return None if attempts is None else int(attempts)


def view(row: RowMapping) -> DeadLetterView:
    return DeadLetterView(
        id=int(row["id"]),
        consumer=row["consumer_group"],
        event_id=row["event_id"],
        event_type=row["event_type"],
        event=dict(row["event"]),
        error=row["error"],
        attempts=int(row["attempts"]),
        first_failed_at=row["first_failed_at"],
        last_failed_at=row["last_failed_at"],
    )
