"""NATS JetStream: the relay publishes to ``<namespace>.events.<type>`` (deduplicated by event
id through ``Nats-Msg-Id``); each consumer group is a durable pull consumer.

Stream, subjects and durable names all carry the deployment's namespace, so deployments that
share one NATS server never see each other's events.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import nats
from nats.aio.client import Client
from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, StreamConfig
from nats.js.errors import BadRequestError

from tessera.application.events.cloudevents import CloudEvent
from tessera.application.ports.clock import Clock
from tessera.infrastructure.clock import SystemClock
from tessera.infrastructure.messaging.dispatcher import ConsumerDispatcher
from tessera.infrastructure.messaging.redis_streams import decode, encode
from tessera.infrastructure.waiting import sleep_unless, unless_stopped

logger = logging.getLogger("tessera.events.nats")

DEFAULT_NAMESPACE = "tessera"
ACK_WAIT_SECONDS = 30.0
# A failed message comes back after this pause (until the dispatcher dead-letters it).
RETRY_DELAY_SECONDS = 2.0
CLOSE_TIMEOUT_SECONDS = 2.0


def reason(error: BaseException) -> str:
    """An error as a log line can show it: some (timeouts, for one) have no message."""
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class NatsConnection:
    """One lazily opened, self-reconnecting connection shared by publisher and consumers."""

    def __init__(self, url: str, *, namespace: str = DEFAULT_NAMESPACE) -> None:
        self._url = url
        # The default namespace gives the names Tessera always used: TESSERA_EVENTS on
        # tessera.events.>.
        self.stream = f"{namespace.upper().replace('-', '_')}_EVENTS"
        self.subjects = f"{namespace}.events"
        self._namespace = namespace
        self._client: Client | None = None
        self._lock = asyncio.Lock()

    def durable(self, group: str) -> str:
        """The durable consumer's name for a consumer group (letters, digits, - and _)."""
        name = f"{self._namespace}_{group}"
        return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)

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
                await self._ensure_stream(js)
            return self._client.jetstream(timeout=5)

    async def _ensure_stream(self, js: JetStreamContext) -> None:
        try:
            await js.add_stream(StreamConfig(name=self.stream, subjects=[f"{self.subjects}.>"]))
        except BadRequestError:  # exists with another configuration: keep it
            logger.info("using the existing JetStream stream %s", self.stream)

    @property
    def is_open(self) -> bool:
        """True while a connection to the server is open (until ``close``)."""
        return self._client is not None and not self._client.is_closed

    async def close(self) -> None:
        """Close at once. Not ``drain``: every publish already awaited its ack and every
        message was acked or nak'd, so there is nothing to flush, and draining a pull
        subscription waits (30 s by default) for status messages nobody will read."""
        if self._client is not None and not self._client.is_closed:
            with contextlib.suppress(NatsError, OSError, TimeoutError):
                await asyncio.wait_for(self._client.close(), timeout=CLOSE_TIMEOUT_SECONDS)


class NatsPublisher:
    def __init__(self, connection: NatsConnection) -> None:
        self._connection = connection

    async def publish(self, events: list[CloudEvent]) -> None:
        js = await self._connection.jetstream()
        acks = [
            js.publish(
                f"{self._connection.subjects}.{event.type}",
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
        clock: Clock | None = None,
    ) -> None:
        self._connection = connection
        self._dispatcher = dispatcher
        self._clock = clock or SystemClock()
        self._group = group
        self._batch = batch
        self.name = f"nats-consumer:{group}"

    async def run(self, stop: asyncio.Event) -> None:
        failing = False
        while not stop.is_set():
            try:
                subscription = await unless_stopped(stop, self._subscribe())
                if subscription is None:
                    return
                if failing:
                    logger.warning("NATS reachable again", extra={"group": self._group})
                    failing = False
                try:
                    while not stop.is_set():
                        await self._cycle(subscription)
                finally:
                    with contextlib.suppress(NatsError, OSError, TimeoutError):
                        await subscription.unsubscribe()
            except (NatsError, OSError, TimeoutError) as error:
                if not failing:
                    logger.warning("NATS unreachable: %s", reason(error))
                    failing = True
                await sleep_unless(stop, 1.0, clock=self._clock)

    async def _subscribe(self) -> JetStreamContext.PullSubscription:
        js = await self._connection.jetstream()
        return await js.pull_subscribe(
            f"{self._connection.subjects}.>",
            durable=self._connection.durable(self._group),
            config=ConsumerConfig(ack_wait=ACK_WAIT_SECONDS, max_ack_pending=10_000),
        )

    async def _cycle(self, subscription: JetStreamContext.PullSubscription) -> None:
        try:
            # A short expiry: the server holds a pull until it fills the batch or expires.
            messages = await subscription.fetch(self._batch, timeout=0.1)
        except TimeoutError:
            # An expired pull with nothing in it: an idle stream, not an outage. nats-py
            # raises its own TimeoutError for it, or a bare asyncio one (same base class).
            return
        for message in messages:
            try:
                await self._dispatcher.dispatch(decode(message.data), group=self._group)
            except Exception:  # noqa: BLE001 - redelivered after a pause
                await message.nak(delay=RETRY_DELAY_SECONDS)
                continue
            await message.ack()
