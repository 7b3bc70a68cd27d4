"""Redis Streams: the relay appends to one stream; each consumer group reads it with
XREADGROUP, acknowledges after handling, and reclaims what a dead worker left pending."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from typing import Any, cast

import orjson
from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from tessera.application.events.cloudevents import CloudEvent
from tessera.infrastructure.messaging.dispatcher import ConsumerDispatcher
from tessera.infrastructure.messaging.waiting import sleep_unless

logger = logging.getLogger("tessera.events.redis")

DEFAULT_STREAM = "tessera:events"
STREAM_MAX_LENGTH = 1_000_000
RECLAIM_IDLE_MS = 30_000


def encode(event: CloudEvent) -> bytes:
    return orjson.dumps(event.to_dict(), option=orjson.OPT_UTC_Z)


def decode(payload: bytes) -> CloudEvent:
    return CloudEvent.from_dict(orjson.loads(payload))


class RedisStreamPublisher:
    def __init__(self, client: Redis, *, stream: str = DEFAULT_STREAM) -> None:
        self._client = client
        self._stream = stream

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
        stream: str = DEFAULT_STREAM,
        consumer: str | None = None,
        batch: int = 100,
        block_ms: int = 500,
    ) -> None:
        self._client = client
        self._dispatcher = dispatcher
        self._group = group
        self._stream = stream
        self._consumer = consumer or f"{socket.gethostname()}-{os.getpid()}-{id(self):x}"
        self._batch = batch
        self._block_ms = block_ms
        self.name = f"redis-consumer:{group}"

    async def run(self, stop: asyncio.Event) -> None:
        failing = False
        while not stop.is_set():
            try:
                await self._ensure_group()
                await self._cycle()
                if failing:
                    logger.warning("redis stream reachable again", extra={"group": self._group})
                    failing = False
            except (RedisError, OSError) as error:
                if not failing:
                    logger.warning("redis stream unreachable: %s", error)
                    failing = True
                await sleep_unless(stop, 1.0)

    async def _ensure_group(self) -> None:
        try:
            await self._client.xgroup_create(self._stream, self._group, id="0", mkstream=True)
        except ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise

    async def _cycle(self) -> None:
        claimed: list[Any] = await self._client.xautoclaim(
            self._stream, self._group, self._consumer, RECLAIM_IDLE_MS, "0-0", count=self._batch
        )
        reclaimed = claimed[1]
        # RESP2 (the client's default): [[stream, [(id, fields), ...]]]
        fresh = cast(
            "list[Any]",
            await self._client.xreadgroup(
                self._group,
                self._consumer,
                {self._stream: ">"},
                count=self._batch,
                block=self._block_ms,
            ),
        )
        messages = list(reclaimed) + [m for _, batch in fresh for m in batch]
        for message_id, fields in messages:
            if not fields:  # trimmed away while pending
                await self._client.xack(self._stream, self._group, message_id)
                continue
            try:
                await self._dispatcher.dispatch(decode(fields[b"event"]), group=self._group)
            except Exception:  # noqa: BLE001 - left pending: reclaimed and retried later
                logger.warning("event left pending for a retry", extra={"group": self._group})
                continue
            await self._client.xack(self._stream, self._group, message_id)
