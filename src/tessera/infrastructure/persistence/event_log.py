"""The event log read from the outbox: per-ticket history and the position-ordered feed."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from tessera.application.events.cloudevents import DEFAULT_SOURCE, CloudEvent
from tessera.application.ports.events import FeedEntry, FeedPage
from tessera.infrastructure.persistence.errors import database_errors
from tessera.infrastructure.persistence.mappers import cloud_event_from_row
from tessera.infrastructure.persistence.tables import outbox


class SqlAlchemyEventLog:
    def __init__(self, engine: AsyncEngine, *, source: str = DEFAULT_SOURCE) -> None:
        self._engine = engine
        self._source = source

    async def history(self, ticket_id: int, *, after_sequence: int, limit: int) -> list[CloudEvent]:
        statement = (
            select(outbox)
            .where(outbox.c.ticket_id == ticket_id, outbox.c.sequence > after_sequence)
            .order_by(outbox.c.sequence)
            .limit(limit)
        )
        async with database_errors(), self._engine.connect() as conn:
            rows = (await conn.execute(statement)).mappings().all()
        return [cloud_event_from_row(row, source=self._source) for row in rows]

    async def feed(self, *, after: int, limit: int, types: tuple[str, ...]) -> FeedPage:
        # Only positioned events are in the feed: positions are assigned in commit order, so
        # a reader that has seen position N has seen every event before it.
        statement = select(outbox).where(outbox.c.position > after)
        if types:
            statement = statement.where(outbox.c.event_type.in_(types))
        statement = statement.order_by(outbox.c.position).limit(limit)
        async with database_errors(), self._engine.connect() as conn:
            rows = (await conn.execute(statement)).mappings().all()
            if len(rows) < limit:  # caught up: resume from the end, past filtered-out events
                next_position = max(after, await _end(conn))
            else:
                next_position = int(rows[-1]["position"])
        entries = [
            FeedEntry(int(r["position"]), cloud_event_from_row(r, source=self._source))
            for r in rows
        ]
        return FeedPage(entries=entries, next_position=next_position)

    async def end(self) -> int:
        async with database_errors(), self._engine.connect() as conn:
            return await _end(conn)


async def _end(conn: AsyncConnection) -> int:
    return int(await conn.scalar(select(func.max(outbox.c.position))) or 0)
