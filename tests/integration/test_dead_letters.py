"""Poison events: a consumer that keeps failing on an event gives it up after the configured
number of deliveries, into a dead letter an admin lists and replays; everything else keeps
flowing. On the in-process bus, Redis Streams and NATS JetStream, over PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tessera.application.events.cloudevents import CloudEvent
from tessera.application.tickets.commands import CreateTicket, UpdateTicket
from tests.integration.event_harness import ADMIN, Recorder, Worker, eventually, worker_settings
from tests.servers import BROKERS, broker_server
from tests.support import truncate_all

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

MAX_DELIVERIES = 3


@dataclass
class Poisoned(Recorder):
    """Fails on every event of the poisoned tickets while ``broken``; counts each try."""

    poisoned: set[int] = field(default_factory=set)
    broken: bool = True
    tries: dict[str, int] = field(default_factory=dict)

    async def handle(self, event: CloudEvent) -> None:
        self.tries[event.id] = self.tries.get(event.id, 0) + 1
        if self.broken and event.subject_kind == "ticket" and event.ticket_id in self.poisoned:
            raise RuntimeError(f"cannot digest ticket {event.ticket_id}")
        await super().handle(event)


@pytest.fixture
async def pg_url(postgres_database: str) -> str:
    await truncate_all(postgres_database)
    return postgres_database


@pytest.fixture(params=["embedded", *BROKERS])
async def broker_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str | None]:
    if request.param == "embedded":
        yield None
        return
    server, url = broker_server(request.param, tmp_path)
    await asyncio.to_thread(server.start)
    try:
        yield url
    finally:
        await asyncio.to_thread(server.stop)


@pytest.mark.timeout(240)
async def test_a_poison_event_is_dead_lettered_after_n_deliveries_and_replayed_once(
    pg_url: str, broker_url: str | None
) -> None:
    settings = worker_settings(pg_url, broker_url, max_deliveries=MAX_DELIVERIES)
    worker = Worker(settings, ("audit",))
    fragile = Poisoned("fragile")
    worker.container.consumers.append(fragile)
    async with worker:
        services = worker.container.services
        audit = worker.recorders["audit"]

        async def open_ticket(n: int) -> int:
            command = CreateTicket(
                title=f"Ticket {n}", description="Something broke.", customer_email="a@example.com"
            )
            return (await services.create_ticket(command, principal=ADMIN)).id

        poison = await open_ticket(0)
        fragile.poisoned.add(poison)
        healthy = [await open_ticket(n) for n in range(1, 4)]
        for ticket_id in healthy:
            await services.update_ticket(
                UpdateTicket(ticket_id=ticket_id, priority="high"), principal=ADMIN
            )

        async def dead_letters() -> list[str]:
            found = await services.list_dead_letters(principal=ADMIN, after_id=0, limit=100)
            return [letter.event_id for letter in found]

        deadline = asyncio.get_running_loop().time() + 120
        while not await dead_letters():
            assert asyncio.get_running_loop().time() < deadline, "nothing was dead-lettered"
            await asyncio.sleep(0.2)
        # The failing consumer's other events, and the other consumer's events, all arrived.
        # Seven ticket events and the customer's user.created.
        await eventually(lambda: len(audit.seen) == 8, within=60, what="every event in audit")
        await eventually(lambda: len(fragile.seen) == 7, within=60, what="the healthy ones")
        await asyncio.sleep(3.0)  # a delivery past the limit would show up now

        [letter] = await services.list_dead_letters(principal=ADMIN, after_id=0, limit=100)
        poison_event = next(
            e for e in audit.seen if e.subject_kind == "ticket" and e.ticket_id == poison
        )
        assert letter.event_id == poison_event.id
        assert letter.consumer == "fragile"
        assert letter.attempts == MAX_DELIVERIES
        assert fragile.tries[poison_event.id] == MAX_DELIVERIES
        assert f"cannot digest ticket {poison}" in letter.error
        assert letter.event["id"] == poison_event.id
        assert letter.first_failed_at <= letter.last_failed_at

        fragile.broken = False
        replayed = await services.replay_dead_letter(letter.id, principal=ADMIN)
        assert replayed.event_id == poison_event.id
        assert await dead_letters() == []
        # A later event of the poisoned ticket flows again, and nothing is handled twice.
        await services.update_ticket(
            UpdateTicket(ticket_id=poison, priority="low"), principal=ADMIN
        )
        await eventually(lambda: len(fragile.seen) == 9, within=60, what="the later event")
        await asyncio.sleep(1.0)  # a duplicate would arrive now

    handled = [event.id for event in fragile.seen]
    assert len(handled) == len(set(handled)) == 9
    assert handled.count(poison_event.id) == 1
    assert sorted(e.id for e in audit.seen) == sorted(e.id for e in fragile.seen)
