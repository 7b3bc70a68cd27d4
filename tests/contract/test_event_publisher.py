"""EventPublisher contract (in process, Redis Streams, NATS JetStream): every published event
reaches every consumer group at least once, each ticket's events in order; an event whose
handling failed is handed over again (by the broker, or in process by the relay publishing it
once more); an event published twice is handled once per group."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.application.events.cloudevents import CloudEvent
from tessera.infrastructure.messaging.dispatcher import ConsumerFailedError
from tessera.infrastructure.messaging.redis_streams import RECLAIM_IDLE_MS, stream_name
from tessera.infrastructure.persistence.engine import create_engine
from tests.contract.brokers import NATS_URL, Broker, Recorder, event, in_process, nats_jetstream
from tests.contract.brokers import redis_streams as redis_broker
from tests.contract.conftest import SharedRedis
from tests.support import service_missing

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
async def engine(sqlite_url: str) -> AsyncIterator[AsyncEngine]:
    """The consumers' side: processed events and failure counts (SQLite is enough here)."""
    engine = create_engine(sqlite_url)
    yield engine
    await engine.dispose()


@pytest.fixture(
    params=[
        "in-process",
        pytest.param("redis-streams", marks=[pytest.mark.broker, pytest.mark.redis]),
        pytest.param("nats", marks=pytest.mark.broker),
    ]
)
def transport(request: pytest.FixtureRequest) -> tuple[str, SharedRedis | None]:
    if request.param == "redis-streams":
        return request.param, request.getfixturevalue("shared_redis")
    if request.param == "nats":
        _require_nats()
    return request.param, None


@pytest.fixture
async def broker(
    transport: tuple[str, SharedRedis | None], engine: AsyncEngine
) -> AsyncIterator[Broker]:
    kind, shared = transport
    if kind == "in-process":
        yield in_process(engine)
    elif shared is not None:
        yield redis_broker(engine, shared)
    else:
        async with nats_jetstream(engine) as broker:
            yield broker


def _require_nats() -> None:
    host, port = NATS_URL.removeprefix("nats://").rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
    except OSError as error:
        service_missing("NATS", f"{type(error).__name__}: {error}")


async def eventually(condition: Callable[[], bool], *, what: str, within: float = 20) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {within} s waiting for {what}")
        await asyncio.sleep(0.05)


async def deliver(broker: Broker, events: list[CloudEvent]) -> None:
    """Publish as the relay does: a failed publish keeps the events and tries them again."""
    for _ in range(10):
        try:
            await broker.publisher.publish(events)
        except ConsumerFailedError:
            continue
        return
    pytest.fail("the events were never accepted")


async def test_every_event_arrives_once_in_ticket_order(broker: Broker) -> None:
    audit = Recorder("audit")
    broker.consumers.append(audit)
    events = [event(ticket, sequence) for sequence in range(1, 6) for ticket in (1, 2, 3)]
    async with broker.running():
        await deliver(broker, events[:9])
        await deliver(broker, events[9:])
        await eventually(lambda: len(audit.handled) >= len(events), what="every event")
    assert sorted(e.id for e in audit.handled) == sorted(e.id for e in events)
    for ticket in (1, 2, 3):
        order = [e.sequence for e in audit.handled if e.ticket_id == ticket]
        assert order == [1, 2, 3, 4, 5]


async def test_every_group_gets_every_event(broker: Broker) -> None:
    audit, mail = Recorder("audit"), Recorder("mail")
    broker.consumers.extend([audit, mail])
    events = [event(1, 1), event(1, 2)]
    async with broker.running():
        await deliver(broker, events)
        await eventually(lambda: len(audit.handled) == len(mail.handled) == 2, what="both groups")
    assert [e.id for e in audit.handled] == [e.id for e in mail.handled] == [e.id for e in events]


async def test_an_event_whose_handling_failed_is_handed_over_again(broker: Broker) -> None:
    first, second = event(1, 1), event(2, 1)
    audit = Recorder("audit", failing={first.id})
    broker.consumers.append(audit)
    async with broker.running():
        await deliver(broker, [first, second])
        await eventually(lambda: len(audit.handled) == 2, what="the failed event again")
    assert audit.attempts == {first.id: 2, second.id: 1}
    assert {e.id for e in audit.handled} == {first.id, second.id}


async def test_an_event_published_twice_is_handled_once_per_group(broker: Broker) -> None:
    twice, after = event(1, 1), event(1, 2)
    audit = Recorder("audit")
    broker.consumers.append(audit)
    async with broker.running():
        await deliver(broker, [twice])
        await eventually(lambda: len(audit.handled) == 1, what="the first event")
        await deliver(broker, [twice, after])
        await eventually(lambda: after.id in audit.attempts, what="the event after it")
    assert [e.id for e in audit.handled] == [twice.id, after.id]
    assert audit.attempts[twice.id] == 1


@pytest.mark.broker
@pytest.mark.redis
async def test_redis_streams_acknowledge_what_was_handled_and_keep_a_failure_pending(
    shared_redis: SharedRedis, engine: AsyncEngine
) -> None:
    """One XACK per batch: every handled event leaves the group's pending list, the one that
    failed stays on it (for the retry), whatever their order in the batch."""
    events = [event(1, 1), event(2, 1), event(3, 1)]
    audit = Recorder("audit", failing={events[1].id}, fail_first=100)
    broker = redis_broker(engine, shared_redis)
    broker.consumers.append(audit)
    async with broker.running():
        await deliver(broker, events)
        await eventually(lambda: len(audit.handled) == 2, what="the two events that succeed")
        await eventually(lambda: events[1].id in audit.attempts, what="the failing one tried")
    pending = await shared_redis.client.xpending(
        stream_name(shared_redis.keys.namespace), f"{shared_redis.keys.namespace}:audit"
    )
    assert pending["pending"] == 1
    assert {e.id for e in audit.handled} == {events[0].id, events[2].id}


@pytest.mark.broker
@pytest.mark.redis
async def test_redis_streams_take_over_what_a_dead_worker_left_pending(
    shared_redis: SharedRedis, engine: AsyncEngine
) -> None:
    """A message a dead consumer read and never acknowledged, idle past RECLAIM_IDLE_MS, is
    handled by a live one as soon as it starts."""
    client, namespace = shared_redis.client, shared_redis.keys.namespace
    stream, group = stream_name(namespace), f"{namespace}:audit"
    audit = Recorder("audit")
    broker = redis_broker(engine, shared_redis)
    broker.consumers.append(audit)
    await client.xgroup_create(stream, group, id="0", mkstream=True)
    orphan = event(1, 1)
    await deliver(broker, [orphan])
    read: Any = await client.xreadgroup(group, "dead", {stream: ">"})
    [[_, [(message_id, _)]]] = read
    # As if "dead" had held it for a minute (XCLAIM's IDLE sets the idle time).
    await client.xclaim(stream, group, "dead", 0, [message_id], idle=RECLAIM_IDLE_MS * 2)
    async with broker.running():
        await eventually(lambda: len(audit.handled) == 1, what="the orphan taken over")
    assert audit.handled[0].id == orphan.id
    pending = await client.xpending(stream, group)
    assert pending["pending"] == 0


@pytest.mark.broker
@pytest.mark.redis
async def test_redis_streams_recreate_a_group_that_redis_lost(
    shared_redis: SharedRedis, engine: AsyncEngine
) -> None:
    """Redis restarted without its data (or the group was deleted): the consumer creates the
    group again and goes on with the events published from then on."""
    client, namespace = shared_redis.client, shared_redis.keys.namespace
    stream, group = stream_name(namespace), f"{namespace}:audit"
    audit = Recorder("audit")
    broker = redis_broker(engine, shared_redis)
    broker.consumers.append(audit)
    first, second = event(1, 1), event(1, 2)
    async with broker.running():
        await deliver(broker, [first])
        await eventually(lambda: len(audit.handled) == 1, what="the first event")
        await client.xgroup_destroy(stream, group)
        await deliver(broker, [second])
        await eventually(lambda: second in audit.handled, what="the event after the loss")
    assert [e.id for e in audit.handled] == [first.id, second.id]  # the first once only
