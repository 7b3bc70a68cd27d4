"""The event pipeline's shape: which broker carries events, and running the loops around it.

``TESSERA_BROKER_URL`` unset means the embedded shape: the relay inside ``tessera serve``
hands events straight to in-process consumers. ``redis://`` selects Redis Streams and
``nats://`` NATS JetStream; then ``tessera worker`` runs the relay and the consumers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from tessera.application.ports.clock import Clock
from tessera.application.ports.events import BackgroundTask, EventPublisher
from tessera.bootstrap.overrides import RedisOpener, open_redis
from tessera.infrastructure.clock import SystemClock
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
from tessera.infrastructure.waiting import sleep_unless

logger = logging.getLogger("tessera.worker")


async def _nothing_to_close() -> None:
    return None


@dataclass(kw_only=True)
class EventTransport:
    publisher: EventPublisher
    # One subscription per consumer group; empty in the embedded shape, where publishing
    # is dispatching.
    subscriptions: list[BackgroundTask] = field(default_factory=list)
    close: Callable[[], Awaitable[None]] = _nothing_to_close

    @property
    def embedded(self) -> bool:
        return isinstance(self.publisher, InProcessPublisher)


class UnsupportedBrokerError(ValueError):
    pass


def event_transport(
    broker_url: str | None,
    dispatcher: ConsumerDispatcher,
    *,
    namespace: str = "tessera",
    clock: Clock | None = None,
    open_redis: RedisOpener = open_redis,
) -> EventTransport:
    """``namespace`` prefixes every stream, subject and consumer group name on the broker;
    the returned ``close`` closes the broker client it opened."""
    if not broker_url:
        return EventTransport(publisher=InProcessPublisher(dispatcher))
    scheme = broker_url.partition("://")[0].lower()
    if scheme in ("redis", "rediss"):
        client = open_redis(broker_url, socket_timeout=5, socket_connect_timeout=2)
        return EventTransport(
            publisher=RedisStreamPublisher(client, namespace=namespace),
            subscriptions=[
                RedisStreamSubscription(
                    client, dispatcher, group=group, namespace=namespace, clock=clock
                )
                for group in sorted(dispatcher.groups)
            ],
            close=client.aclose,
        )
    if scheme in ("nats", "tls"):
        connection = NatsConnection(broker_url, namespace=namespace)
        return EventTransport(
            publisher=NatsPublisher(connection),
            subscriptions=[
                NatsSubscription(connection, dispatcher, group=group, clock=clock)
                for group in sorted(dispatcher.groups)
            ],
            close=connection.close,
        )
    raise UnsupportedBrokerError(
        f"TESSERA_BROKER_URL must start with redis:// or nats://, not {scheme}://"
    )


async def run_tasks(
    tasks: list[BackgroundTask], stop: asyncio.Event, *, grace: float, clock: Clock | None = None
) -> None:
    """Run the tasks until ``stop`` is set, then give them ``grace`` seconds to return (in
    real time: shutdown is bounded by the wall clock). ``clock`` times the restarts.

    A task that is still running after that is cancelled: the relay's open transaction then
    rolls back, so nothing is marked published that was not.
    """
    clock = clock or SystemClock()
    running = {
        asyncio.create_task(_supervised(task, stop, clock), name=task.name) for task in tasks
    }
    if not running:
        await stop.wait()
        return
    await stop.wait()
    _, late = await asyncio.wait(running, timeout=grace)
    for task in late:
        logger.warning("%s did not stop within %.0f s; cancelling it", task.get_name(), grace)
        task.cancel()
    await asyncio.gather(*late, return_exceptions=True)


async def _supervised(task: BackgroundTask, stop: asyncio.Event, clock: Clock) -> None:
    """Restart a task that crashed (after a pause), until asked to stop."""
    while not stop.is_set():
        try:
            await task.run(stop)
        except Exception:
            logger.exception("%s crashed; restarting it in 1 s", task.name)
            await sleep_unless(stop, 1.0, clock=clock)
        else:
            return
