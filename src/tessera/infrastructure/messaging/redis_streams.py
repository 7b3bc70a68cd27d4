"""Redis Streams: the relay appends to one stream; each consumer group reads it with
XREADGROUP, acknowledges after handling, and reclaims what a dead worker left pending.

The stream (``<namespace>:events``) and the group names (``<namespace>:<group>``) carry the
deployment's namespace, so deployments that share one Redis never see each other's events.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from datetime import datetime, timedelta
from typing import Any, cast

import orjson
from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from tessera.application.events.cloudevents import CloudEvent
from tessera.application.ports.clock import Clock
from tessera.infrastructure.clock import SystemClock
from tessera.infrastructure.messaging.dispatcher import ConsumerDispatcher
from tessera.infrastructure.waiting import sleep_unless

logger = logging.getLogger("tessera.events.redis")

DEFAULT_NAMESPACE = "tessera"
STREAM_MAX_LENGTH = 1_000_000
RECLAIM_IDLE_MS = 30_000
# How often a consumer looks for what a dead worker left pending (XAUTOCLAIM): such a message
# is taken over at most this long after it has been idle for RECLAIM_IDLE_MS.
RECLAIM_EVERY = timedelta(seconds=5)
# A message whose handling failed stays pending; its consumer tries it again after this
# pause (until the dispatcher dead-letters it).
RETRY_DELAY_SECONDS = 2.0


def stream_name(namespace: str) -> str:
    return f"{namespace}:events"


def encode(event: CloudEvent) -> bytes:
    return orjson.dumps(event.to_dict(), option=orjson.OPT_UTC_Z)


def decode(payload: bytes) -> CloudEvent:
    return CloudEvent.from_dict(orjson.loads(payload))


class RedisStreamPublisher:
    def __init__(self, client: Redis, *, namespace: str = DEFAULT_NAMESPACE) -> None:
        self._client = client
        self._stream = stream_name(namespace)

    async def publish(self, events: list[CloudEvent]) -> None:
        async with self._client.pipeline(transaction=False) as pipe:
            for event in events:
                pipe.xadd(
                    self._stream,
                    {"event": encode(event)},
                    maxlen=STREAM_MAX_LENGTH,
                    approximate=True,
                )
            await pipe.execute()


class RedisStreamSubscription:
    """A BackgroundTask: one consumer of one group."""

    def __init__(
        self,
        client: Redis,
        dispatcher: ConsumerDispatcher,
        *,
        group: str,
        namespace: str = DEFAULT_NAMESPACE,
        consumer: str | None = None,
        batch: int = 100,
        block_ms: int = 500,
        clock: Clock | None = None,
    ) -> None:
        self._client = client
        self._clock = clock or SystemClock()
        self._dispatcher = dispatcher
        self._group = group  # the consumers' group, for the dispatcher
        self._redis_group = f"{namespace}:{group}"  # its name in Redis
        self._stream = stream_name(namespace)
        self._consumer = consumer or f"{socket.gethostname()}-{os.getpid()}-{id(self):x}"
        self._batch = batch
        self._block_ms = block_ms
        self._retry_at: datetime | None = None
        self._reclaim_at: datetime | None = None  # None: at the next cycle
        self._group_ready = False  # the group exists, as far as this consumer knows
        self.name = f"redis-consumer:{group}"

    async def run(self, stop: asyncio.Event) -> None:
        failing = False
        while not stop.is_set():
            try:
                if not self._group_ready:
                    await self._ensure_group()
                    self._group_ready = True
                await self._cycle()
                if failing:
                    logger.warning("redis stream reachable again", extra={"group": self._group})
                    failing = False
            except ResponseError as error:
                if "NOGROUP" in str(error):  # Redis lost the group (a restart without data)
                    self._group_ready = False
                    continue
                logger.warning("redis stream refused a command: %s", error)
                await sleep_unless(stop, 1.0, clock=self._clock)
            except (RedisError, OSError) as error:
                self._group_ready = False
                if not failing:
                    logger.warning("redis stream unreachable: %s", error)
                    failing = True
                await sleep_unless(stop, 1.0, clock=self._clock)

    async def _ensure_group(self) -> None:
        try:
            await self._client.xgroup_create(self._stream, self._redis_group, id="0", mkstream=True)
        except ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise

    async def _cycle(self) -> None:
        reclaimed: list[Any] = []
        if self._reclaim_at is None or self._clock.now() >= self._reclaim_at:
            self._reclaim_at = self._clock.now() + RECLAIM_EVERY
            claimed: list[Any] = await self._client.xautoclaim(
                self._stream,
                self._redis_group,
                self._consumer,
                RECLAIM_IDLE_MS,
                "0-0",
                count=self._batch,
            )
            reclaimed = claimed[1]
            if claimed[0] not in (b"0-0", "0-0"):  # more of them to look at: next cycle too
                self._reclaim_at = None
        retried: list[Any] = []
        if self._retry_at is not None and self._clock.now() >= self._retry_at:
            self._retry_at = None
            retried = await self._read("0", block=None)
        fresh = await self._read(">", block=self._block_ms)
        messages = [*reclaimed, *retried, *fresh]
        # Trimmed away while pending: nothing to handle, only to acknowledge.
        events = {message_id: decode(fields[b"event"]) for message_id, fields in messages if fields}
        try:
            failed_ids = await self._dispatcher.dispatch_many(
                list(events.values()), group=self._group
            )
        except Exception:  # noqa: BLE001 - the bookkeeping failed: the whole batch comes again
            failed_ids = {event.id for event in events.values()}
        failed = bool(failed_ids)
        if failed:
            logger.warning(
                "events left pending for a retry",
                extra={"group": self._group, "events": len(failed_ids)},
            )
        # acknowledged together, after the batch
        done = [m for m, _ in messages if m not in events or events[m].id not in failed_ids]
        # One XACK for the batch. A worker that stops before it has its handled events
        # delivered again, and skips them as handled: at least once, as for any crash.
        if done:
            await self._client.xack(self._stream, self._redis_group, *done)
        if failed and self._retry_at is None:
            self._retry_at = self._clock.now() + timedelta(seconds=RETRY_DELAY_SECONDS)

    async def _read(self, start: str, *, block: int | None) -> list[Any]:
        """``>``: messages never delivered to the group; ``0``: this consumer's own pending
        ones (those whose handling failed)."""
        # RESP2 (the client's default): [[stream, [(id, fields), ...]]]
        answer = cast(
            "list[Any]",
            await self._client.xreadgroup(
                self._redis_group,
                self._consumer,
                {self._stream: start},
                count=self._batch,
                block=block,
            ),
        )
        return [m for _, batch in answer for m in batch]
