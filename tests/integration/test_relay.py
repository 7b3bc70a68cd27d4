"""The outbox relay and the consumer dispatcher against SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.application.events.cloudevents import CloudEvent
from tessera.infrastructure.messaging.dispatcher import ConsumerDispatcher, ConsumerFailedError
from tessera.infrastructure.messaging.relay import OutboxRelay
from tessera.infrastructure.persistence.engine import create_engine
from tessera.infrastructure.persistence.mappers import cloud_event_from_row
from tessera.infrastructure.persistence.tables import outbox
from tests.integration.event_harness import Recorder, insert_synthetic_events
from tests.support import truncate_all


class RecordingPublisher:
    def __init__(self) -> None:
        self.published: list[CloudEvent] = []
        self.failing: Exception | None = None

    async def publish(self, events: list[CloudEvent]) -> None:
        if self.failing is not None:
            raise self.failing
        self.published.extend(events)


class BlockingPublisher(RecordingPublisher):
    """Holds its batch (and so the relay's row locks) until released."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def publish(self, events: list[CloudEvent]) -> None:
        self.entered.set()
        await self.release.wait()
        await super().publish(events)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


async def _outbox(engine: AsyncEngine) -> list[dict[str, object]]:
    async with engine.connect() as conn:
        rows = (await conn.execute(select(outbox).order_by(outbox.c.id))).mappings().all()
    return [dict(row) for row in rows]


async def test_events_are_positioned_then_published_in_order_per_ticket(
    engine: AsyncEngine,
) -> None:
    await insert_synthetic_events(engine, tickets=3, per_ticket=4)
    publisher = RecordingPublisher()
    relay = OutboxRelay(engine, publisher, batch_size=5)

    assert await relay.sequence() == 5
    assert await relay.sequence() == 5
    assert await relay.sequence() == 2
    while await relay.publish():
        pass

    rows = await _outbox(engine)
    assert sorted(int(str(r["position"])) for r in rows) == list(range(1, 13))
    assert all(r["published_at"] is not None for r in rows)
    for ticket in (1, 2, 3):
        sequences = [e.sequence for e in publisher.published if e.ticket_id == ticket]
        assert sequences == [1, 2, 3, 4]


async def test_a_failed_publish_keeps_the_events_and_schedules_a_retry(
    engine: AsyncEngine,
) -> None:
    await insert_synthetic_events(engine, tickets=1, per_ticket=2)
    publisher = RecordingPublisher()
    publisher.failing = ConnectionError("broker down")
    relay = OutboxRelay(engine, publisher, retry_base=timedelta(seconds=30))
    await relay.sequence()

    assert await relay.publish() == 0
    rows = await _outbox(engine)
    assert all(r["published_at"] is None for r in rows)
    assert all(r["attempts"] == 1 for r in rows)
    assert all("broker down" in str(r["last_error"]) for r in rows)
    assert all(r["next_attempt_at"] is not None for r in rows)

    publisher.failing = None
    assert await relay.publish() == 0  # not before its retry time
    async with engine.begin() as conn:
        await conn.execute(outbox.update().values(next_attempt_at=None))
    assert await relay.publish() == 2
    assert [e.sequence for e in publisher.published] == [1, 2]
    assert all(r["published_at"] is not None for r in await _outbox(engine))


@pytest.mark.postgres
async def test_a_second_relay_skips_locked_rows_and_never_overtakes_a_ticket(
    postgres_database: str,
) -> None:
    await truncate_all(postgres_database)
    engine = create_engine(postgres_database)
    try:
        await insert_synthetic_events(engine, tickets=2, per_ticket=2)
        # positions: 1 = ticket 1 #1, 2 = ticket 2 #1, 3 = ticket 1 #2, 4 = ticket 2 #2
        slow, fast = BlockingPublisher(), RecordingPublisher()
        first = OutboxRelay(engine, slow, batch_size=1)
        second = OutboxRelay(engine, fast)
        await second.sequence()

        holding = asyncio.create_task(first.publish())
        await slow.entered.wait()  # ticket 1's first event is locked and in flight
        assert await second.publish() == 2
        assert [(e.ticket_id, e.sequence) for e in fast.published] == [(2, 1), (2, 2)]

        slow.release.set()
        assert await holding == 1
        assert await second.publish() == 1
        assert [(e.ticket_id, e.sequence) for e in fast.published][-1] == (1, 2)
    finally:
        await engine.dispose()


async def test_the_dispatcher_handles_an_event_once_per_group_and_retries_failures(
    engine: AsyncEngine,
) -> None:
    await insert_synthetic_events(engine, tickets=1, per_ticket=1)
    async with engine.connect() as conn:
        event = cloud_event_from_row((await conn.execute(select(outbox))).mappings().one())

    class Flaky(Recorder):
        fail = True

        async def handle(self, event: CloudEvent) -> None:
            if self.fail:
                raise RuntimeError("down")
            await super().handle(event)

    audit, webhooks, flaky = Recorder("audit"), Recorder("webhooks"), Flaky("mail")
    dispatcher = ConsumerDispatcher(engine, [audit, webhooks, flaky])

    with pytest.raises(ConsumerFailedError):
        await dispatcher.dispatch(event)
    flaky.fail = False
    await dispatcher.dispatch(event)  # redelivered: only the failed group handles it
    await dispatcher.dispatch(event, group="audit")  # a duplicate from the broker

    assert [e.id for e in audit.seen] == [event.id]
    assert [e.id for e in webhooks.seen] == [event.id]
    assert [e.id for e in flaky.seen] == [event.id]
