"""Delivery through real brokers (Redis Streams, NATS JetStream) on PostgreSQL: a broker
that is down loses nothing, and several relays and workers share the work exactly once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tessera.application.tickets.commands import CreateTicket, UpdateTicket
from tessera.infrastructure.persistence.engine import create_engine
from tessera.infrastructure.persistence.tables import outbox, processed_events
from tests.integration.event_harness import (
    ADMIN,
    Worker,
    eventually,
    in_ticket_order,
    insert_synthetic_events,
    worker_settings,
)
from tests.servers import BROKERS, ThrowawayServer, broker_server
from tests.support import truncate_all

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
async def pg_url(postgres_database: str) -> str:
    await truncate_all(postgres_database)
    return postgres_database


@pytest.fixture(params=BROKERS)
async def broker(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[ThrowawayServer, str]]:
    server, url = broker_server(request.param, tmp_path)
    await asyncio.to_thread(server.start)
    try:
        yield server, url
    finally:
        await asyncio.to_thread(server.stop)


async def test_events_written_while_the_broker_is_down_all_arrive_in_order_once(
    pg_url: str, broker: tuple[ThrowawayServer, str]
) -> None:
    server, broker_url = broker
    engine = create_engine(pg_url)
    async with Worker(worker_settings(pg_url, broker_url), ("audit",)) as worker:
        services = worker.container.services
        recorder = worker.recorders["audit"]

        async def open_ticket(n: int) -> int:
            command = CreateTicket(
                title=f"Ticket {n}", description="Something broke.", customer_email="a@example.com"
            )
            return (await services.create_ticket(command, principal=ADMIN)).id

        first = [await open_ticket(n) for n in range(3)]
        # The customer's user.created and the three tickets' creations.
        await eventually(lambda: len(recorder.seen) == 4, within=20, what="the first events")

        await asyncio.to_thread(server.stop)
        later = [await open_ticket(n) for n in range(3, 5)]
        for ticket_id in first + later:
            for priority in ("high", "low", "critical"):
                await services.update_ticket(
                    UpdateTicket(ticket_id=ticket_id, priority=priority), principal=ADMIN
                )
            await services.update_ticket(
                UpdateTicket(ticket_id=ticket_id, status="in_progress"), principal=ADMIN
            )

        async def retried_unpublished() -> int:
            async with engine.connect() as conn:
                count = await conn.scalar(
                    select(func.count()).where(
                        outbox.c.published_at.is_(None), outbox.c.attempts > 0
                    )
                )
                return int(count or 0)

        deadline = asyncio.get_running_loop().time() + 20
        while await retried_unpublished() == 0:  # the relay tried, failed, kept them
            assert asyncio.get_running_loop().time() < deadline, "the relay never tried"
            await asyncio.sleep(0.1)

        await asyncio.to_thread(server.start)
        async with engine.connect() as conn:
            total = int(await conn.scalar(select(func.count()).select_from(outbox)) or 0)
        await eventually(
            lambda: len({e.id for e in recorder.seen}) == total, within=60, what="every event"
        )
        await asyncio.sleep(0.5)  # a late duplicate would show up now

    await engine.dispose()
    ids = [event.id for event in recorder.seen]
    assert len(ids) == len(set(ids)) == total
    for ticket_id, sequences in in_ticket_order(recorder.seen).items():
        assert sequences == sorted(sequences), f"ticket {ticket_id} out of order: {sequences}"
        assert sequences == list(range(1, len(sequences) + 1))


@pytest.mark.timeout(360)
async def test_two_relays_and_two_workers_handle_5000_events_once_per_group(
    pg_url: str, broker: tuple[ThrowawayServer, str]
) -> None:
    groups = ("audit", "exports")
    engine = create_engine(pg_url)
    expected = await insert_synthetic_events(engine, tickets=50, per_ticket=100)
    assert len(expected) == 5000
    settings = worker_settings(pg_url, broker[1])

    async with Worker(settings, groups) as one, Worker(settings, groups) as two:

        def handled(group: str) -> int:
            return len(one.recorders[group].seen) + len(two.recorders[group].seen)

        await eventually(
            lambda: all(handled(group) >= 5000 for group in groups),
            within=300,
            what="5,000 events in each group",
        )
        await asyncio.sleep(1.0)  # a duplicate would arrive now

    for group in groups:
        ids = [e.id for w in (one, two) for e in w.recorders[group].seen]
        assert len(ids) == 5000, f"{group}: handled {len(ids)} times"
        assert set(ids) == expected
        # The group's work was shared: each worker handled some of it.
        assert one.recorders[group].seen and two.recorders[group].seen
    async with engine.connect() as conn:
        unpublished = await conn.scalar(select(func.count()).where(outbox.c.published_at.is_(None)))
        marked: dict[str, int] = dict(
            (
                await conn.execute(
                    select(processed_events.c.consumer_group, func.count()).group_by(
                        processed_events.c.consumer_group
                    )
                )
            ).all()
        )
    await engine.dispose()
    assert unpublished == 0
    assert marked["audit"] == marked["exports"] == 5000
