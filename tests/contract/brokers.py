"""The three event transports behind one shape for the publisher contract: the in-process bus,
Redis Streams and NATS JetStream, each on a namespace of the test's own."""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.application.events.cloudevents import CloudEvent
from tessera.application.ports.events import BackgroundTask, EventConsumer, EventPublisher
from tessera.infrastructure.messaging.dispatcher import ConsumerDispatcher
from tessera.infrastructure.messaging.in_process import InProcessPublisher
from tessera.infrastructure.messaging.nats_jetstream import (
    NatsConnection,
    NatsPublisher,
    NatsSubscription,
)
from tessera.infrastructure.messaging.redis_streams import (
    RedisStreamPublisher,
    RedisStreamSubscription,
)
from tests.contract.conftest import SharedRedis

NATS_URL = os.environ.get("TESSERA_TEST_NATS_URL", "nats://127.0.0.1:4222")


@dataclass
class Recorder:
    """An EventConsumer that remembers every handling, and fails the first ``fail_first``
    attempts of the events in ``failing``."""

    group: str
    handled: list[CloudEvent] = field(default_factory=list)
    attempts: dict[str, int] = field(default_factory=dict)
    failing: set[str] = field(default_factory=set)
    fail_first: int = 1

    def wants(self, event_type: str) -> bool:
        return True

    async def handle(self, event: CloudEvent) -> None:
        self.attempts[event.id] = self.attempts.get(event.id, 0) + 1
        if event.id in self.failing and self.attempts[event.id] <= self.fail_first:
            raise RuntimeError("the consumer failed this time")
        self.handled.append(event)


@dataclass
class Broker:
    publisher: EventPublisher
    consumers: list[EventConsumer]  # dispatched to by reference: add before ``running``
    subscribe: Callable[[str], BackgroundTask] | None  # None: publishing is dispatching

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """One subscription per consumer group, until the block ends."""
        stop = asyncio.Event()
        groups = sorted({c.group for c in self.consumers})
        subscribe = self.subscribe
        tasks = [asyncio.create_task(subscribe(group).run(stop)) for group in groups if subscribe]
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*tasks)


def event(ticket_id: int, sequence: int) -> CloudEvent:
    return CloudEvent(
        id=str(uuid.uuid4()),
        type="ticket.updated",
        source="/tessera",
        subject=str(ticket_id),
        time=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        sequence=sequence,
        actor="token:1",
        data={"changes": {"title": {"old": "a", "new": f"{sequence}"}}},
    )


def in_process(engine: AsyncEngine) -> Broker:
    consumers: list[EventConsumer] = []
    return Broker(InProcessPublisher(ConsumerDispatcher(engine, consumers)), consumers, None)


def redis_streams(engine: AsyncEngine, shared: SharedRedis) -> Broker:
    consumers: list[EventConsumer] = []
    dispatcher = ConsumerDispatcher(engine, consumers)
    namespace = shared.keys.namespace  # its keys are removed after the test

    def subscribe(group: str) -> BackgroundTask:
        return RedisStreamSubscription(
            shared.client, dispatcher, group=group, namespace=namespace, block_ms=100
        )

    return Broker(RedisStreamPublisher(shared.client, namespace=namespace), consumers, subscribe)


@contextlib.asynccontextmanager
async def nats_jetstream(engine: AsyncEngine) -> AsyncIterator[Broker]:
    consumers: list[EventConsumer] = []
    dispatcher = ConsumerDispatcher(engine, consumers)
    connection = NatsConnection(NATS_URL, namespace=f"contract-{uuid.uuid4().hex}")

    def subscribe(group: str) -> BackgroundTask:
        return NatsSubscription(connection, dispatcher, group=group)

    try:
        yield Broker(NatsPublisher(connection), consumers, subscribe)
    finally:
        js = await connection.jetstream()
        await js.delete_stream(connection.stream)
        await connection.close()
