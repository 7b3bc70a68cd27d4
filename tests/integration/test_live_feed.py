"""The live feed's follower over the real event log: catch-up, then wake-ups from the relay
(in process) and from PostgreSQL's NOTIFY (another process's relay)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.application.ports.events import FeedEntry
from tessera.infrastructure.clock import SystemClock
from tessera.infrastructure.live.feed import FeedFollower
from tessera.infrastructure.live.notify import (
    APPLICATION_NAME,
    PostgresFeedListener,
    asyncpg_dsn,
    feed_channel,
)
from tessera.infrastructure.messaging.relay import OutboxRelay
from tessera.infrastructure.persistence.engine import create_engine
from tessera.infrastructure.persistence.event_log import SqlAlchemyEventLog
from tessera.infrastructure.persistence.tables import outbox
from tests.integration.test_relay import RecordingPublisher

# Far longer than any wait below: an entry that arrives came through a wake-up, not the poll.
NEVER = 600.0


async def _events(engine: AsyncEngine, *tickets: int) -> None:
    """One committed, not yet sequenced event for each ticket (its next sequence)."""
    async with engine.begin() as conn:
        for ticket in tickets:
            sequence = await conn.scalar(
                select(func.coalesce(func.max(outbox.c.sequence), 0) + 1).where(
                    outbox.c.ticket_id == ticket
                )
            )
            await conn.execute(
                insert(outbox).values(
                    event_id=str(uuid.uuid4()),
                    event_type="ticket.updated",
                    ticket_id=ticket,
                    sequence=sequence,
                    actor="token:1",
                    occurred_at=datetime.now(UTC),
                    data={"changes": {"priority": {"old": "low", "new": "high"}}},
                )
            )


async def _take(entries: AsyncIterator[FeedEntry], count: int) -> list[int]:
    async with asyncio.timeout(5):
        return [(await anext(entries)).position for _ in range(count)]


async def test_a_subscriber_catches_up_from_the_log_then_gets_each_new_entry(
    engine: AsyncEngine, database_url: str
) -> None:
    follower = FeedFollower(SqlAlchemyEventLog(engine), clock=SystemClock(), poll_seconds=NEVER)
    channel = feed_channel("tessera") if engine.dialect.name == "postgresql" else None
    relay = OutboxRelay(
        engine, RecordingPublisher(), feed_channel=channel, on_sequenced=follower.wake
    )
    await _events(engine, 1, 1, 1)
    await relay.sequence()
    try:
        entries = aiter(follower.follow(after=1))
        assert await _take(entries, 2) == [2, 3]  # from the log: the follower started at 3

        waiting = asyncio.ensure_future(_take(entries, 2))
        await _events(engine, 1, 2)
        await relay.sequence()
        assert await waiting == [4, 5]
        assert follower.subscribers == 1
    finally:
        await follower.close()
    with pytest.raises(StopAsyncIteration):  # closing ends every open follow
        await anext(entries)
    assert follower.subscribers == 0


@pytest.mark.postgres
async def test_a_notify_from_another_process_relay_wakes_the_follower(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    channel = feed_channel("tessera")
    listener = PostgresFeedListener(
        asyncpg_dsn(postgres_url),
        channel,
        clock=SystemClock(),
        retry_seconds=0.1,
    )
    follower = FeedFollower(
        SqlAlchemyEventLog(engine), clock=SystemClock(), poll_seconds=NEVER, wake_sources=[listener]
    )
    # No in-process wake: only PostgreSQL can tell the follower.
    relay = OutboxRelay(engine, RecordingPublisher(), feed_channel=channel)
    try:
        entries = aiter(follower.follow(after=0))
        waiting = asyncio.ensure_future(_take(entries, 2))
        async with asyncio.timeout(10):
            await listener.listening.wait()
        await _events(engine, 1, 2)
        await relay.sequence()
        assert await waiting == [1, 2]

        # The listening connection is killed: the listener connects again and listens on.
        async with engine.connect() as conn:
            killed = await conn.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = :name AND datname = current_database()"
                ),
                {"name": APPLICATION_NAME},
            )
        assert killed == 1
        async with asyncio.timeout(10):
            await listener.dropped.wait()
            await listener.listening.wait()
        waiting = asyncio.ensure_future(_take(entries, 1))
        await _events(engine, 2)
        await relay.sequence()
        assert await waiting == [3]
    finally:
        await follower.close()
        await engine.dispose()
