"""NATS JetStream: the relay publishes to ``tessera.events.<type>`` (deduplicated by event id
through ``Nats-Msg-Id``); each consumer group is a durable pull consumer."""

from __future__ import annotations

import asyncio
import logging

import nats
from nats.aio.client import Client
from nats.errors import Error as NatsError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, StreamConfig
from nats.js.errors import BadRequestError

from tessera.application.events.cloudevents import CloudEvent
from tessera.infrastructure.messaging.dispatcher import ConsumerDispatcher
from tessera.infrastructure.messaging.redis_streams import decode, encode
from tessera.infrastructure.messaging.waiting import sleep_unless

logger = logging.getLogger("tessera.events.nats")

DEFAULT_STREAM = "TESSERA_EVENTS"
SUBJECT_PREFIX = "tessera.events"
ACK_WAIT_SECONDS = 30.0


class NatsConnection:
    """One lazily opened, self-reconnecting connection shared by publisher and consumers."""

    def __init__(self, url: str, *, stream: str = DEFAULT_STREAM) -> None:
        self._url = url
        self.stream = stream
        self._client: Client | None = None
        self._lock = asyncio.Lock()

    async def jetstream(self) -> JetStreamContext:
        async with self._lock:
            if self._client is None or self._client.is_closed:
                # Reconnects forever once connected; the first connection is bounded, so a
                # caller sees "unreachable" and retries on its own schedule.
                self._client = await asyncio.wait_for(
                    nats.connect(
                        self._url,
                        connect_timeout=2,
                        max_reconnect_attempts=-1,
                        reconnect_time_wait=0.5,
                        allow_reconnect=True,
                    ),
                    timeout=5,
                )
                js = self._client.jetstream(timeout=5)
                await _ensure_stream(js, self.stream)
            return self._client.jetstream(timeout=5)

    async def close(self) -> None:
        if self._client is not None and not self._client.is_closed:
            await self._client.drain()


async def _ensure_stream(js: JetStreamContext, stream: str) -> None:
    try:
        await js.add_stream(StreamConfig(name=stream, subjects=[f"{SUBJECT_PREFIX}.>"]))
    except BadRequestError:  # exists with another configuration: keep it
        logger.info("using the existing JetStream stream %s", stream)


class NatsPublisher:
    def __init__(self, connection: NatsConnection) -> None:
        self._connection = connection

    async def publish(self, events: list[CloudEvent]) -> None:
        js = await self._connection.jetstream()
        acks = [
            js.publish(
                f"{SUBJECT_PREFIX}.{event.type}",
                encode(event),
                headers={"Nats-Msg-Id": event.id},
                timeout=5,
            )
            for event in events
        ]
        await asyncio.gather(*acks)


class NatsSubscription:
    """A BackgroundTask: one member of a durable pull consumer (= one consumer group)."""

    def __init__(
        self,
        connection: NatsConnection,
        dispatcher: ConsumerDispatcher,
        *,
        group: str,
        batch: int = 100,
    ) -> None:
        self._connection = connection
        self._dispatcher = dispatcher
        self._group = group
        self._batch = batch
        self.name = f"nats-consumer:{group}"

    async def run(self, stop: asyncio.Event) -> None:
        failing = False
        while not stop.is_set():
            try:
                js = await self._connection.jetstream()
                subscription = await js.pull_subscribe(
                    f"{SUBJECT_PREFIX}.>",
                    durable=_durable(self._group),
                    config=ConsumerConfig(ack_wait=ACK_WAIT_SECONDS, max_ack_pending=10_000),
                )
                failing = False
                while not stop.is_set():
                    await self._cycle(subscription)
            except (NatsError, OSError, TimeoutError) as error:
                if not failing:
                    logger.warning("NATS unreachable: %s", error)
                    failing = True
                await sleep_unless(stop, 1.0)

    async def _cycle(self, subscription: JetStreamContext.PullSubscription) -> None:
        try:
            # A short expiry: the server holds a pull until it fills the batch or expires.
            messages = await subscription.fetch(self._batch, timeout=0.1)
        except NatsTimeoutError:
            return
        for message in messages:
            try:
                await self._dispatcher.dispatch(decode(message.data), group=self._group)
            except Exception:  # noqa: BLE001 - redelivered after a pause
                await message.nak(delay=2)
                continue
            await message.ack()


def _durable(group: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in group)
