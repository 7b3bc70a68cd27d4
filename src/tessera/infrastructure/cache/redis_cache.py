"""L2: ticket views in Redis, shared by every replica, and the pub/sub channel that tells
the replicas' L1s what changed.

Redis is optional and may fail at any time: every call goes through a breaker that, after a
failure, skips Redis for a short while (reads fall through to the database), and
invalidations that could not be written are kept and written when Redis is back.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from redis.asyncio import Redis
from redis.exceptions import RedisError

from tessera.infrastructure.messaging.waiting import sleep_unless

logger = logging.getLogger("tessera.cache")

T = TypeVar("T")

CHANNEL = "tessera:cache:invalidate"
TOKENS_MESSAGE = "tokens"

# Store only if the generation is still the one read before loading (or still absent).
_FILL = """
local current = redis.call('GET', KEYS[2])
if (current == false and ARGV[2] == '') or current == ARGV[2] then
    redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
    return 1
end
return 0
"""


def value_key(ticket_id: int) -> str:
    return f"tessera:ticket:{ticket_id}"


def generation_key(ticket_id: int) -> str:
    return f"tessera:ticket-gen:{ticket_id}"


def _bytes(item: bytes | str | None) -> bytes | None:
    return item.encode() if isinstance(item, str) else item


class Breaker:
    """Closed: calls go through. After a failure: open for ``cooldown`` seconds."""

    def __init__(self, *, cooldown: float = 2.0) -> None:
        self._cooldown = cooldown
        self._open_until = 0.0
        self.failing = False

    @property
    def allows(self) -> bool:
        return time.monotonic() >= self._open_until

    async def call(self, operation: Callable[[], Awaitable[T]]) -> T | None:
        """The result, or None when Redis is skipped or fails."""
        if not self.allows:
            return None
        try:
            result = await operation()
        except (RedisError, OSError) as error:
            self._open_until = time.monotonic() + self._cooldown
            if not self.failing:
                logger.warning("Redis unavailable; serving from the database: %s", error)
                self.failing = True
            return None
        if self.failing:
            logger.warning("Redis is reachable again")
            self.failing = False
        return result


class RedisTicketCache:
    def __init__(self, client: Redis, *, ttl: int = 900, breaker: Breaker | None = None) -> None:
        self._client = client
        self._ttl = ttl
        self.breaker = breaker or Breaker()
        self._pending: set[int] = set()  # invalidations Redis has not taken yet
        self._fill = client.register_script(_FILL)

    async def lookup(self, ticket_id: int) -> tuple[bytes | None, str] | None:
        """(value, generation) in one round trip; None when Redis is unavailable."""
        await self._flush_pending()
        found = await self.breaker.call(
            lambda: self._client.mget(value_key(ticket_id), generation_key(ticket_id))
        )
        if found is None:
            return None
        value, generation = (_bytes(item) for item in found)
        return value, (generation.decode() if generation is not None else "")

    async def put_if(self, ticket_id: int, value: bytes, generation: str) -> None:
        keys = [value_key(ticket_id), generation_key(ticket_id)]
        await self.breaker.call(lambda: self._fill(keys=keys, args=[value, generation, self._ttl]))

    async def invalidate(self, ticket_ids: set[int]) -> bool:
        """Drop the values and move the generations on; publish for the other replicas.
        Returns False (and keeps them for later) when Redis did not take them."""
        self._pending |= ticket_ids
        return await self._flush_pending()

    async def publish(self, message: str) -> None:
        await self.breaker.call(lambda: self._client.publish(CHANNEL, message))

    async def _flush_pending(self) -> bool:
        if not self._pending or not self.breaker.allows:
            return not self._pending
        ids = set(self._pending)

        async def write() -> list[Any]:
            async with self._client.pipeline(transaction=True) as pipe:
                for ticket_id in sorted(ids):
                    pipe.incr(generation_key(ticket_id))
                    pipe.expire(generation_key(ticket_id), 86_400)
                    pipe.delete(value_key(ticket_id))
                    pipe.publish(CHANNEL, f"ticket:{ticket_id}")
                return await pipe.execute()

        if await self.breaker.call(write) is None:
            return False
        self._pending -= ids
        return True


class InvalidationSubscriber:
    """A BackgroundTask on every replica: applies other replicas' invalidations to this L1.
    After any break in the subscription the whole L1 is dropped (messages may be lost)."""

    name = "cache-invalidations"

    def __init__(
        self,
        client: Redis,
        *,
        on_ticket: Callable[[int], None],
        on_tokens: Callable[[], None],
        on_gap: Callable[[], None],
    ) -> None:
        self._client = client
        self._on_ticket = on_ticket
        self._on_tokens = on_tokens
        self._on_gap = on_gap

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                async with self._client.pubsub() as pubsub:
                    await pubsub.subscribe(CHANNEL)
                    self._on_gap()  # anything before this moment may have been missed
                    while not stop.is_set():
                        message = await pubsub.get_message(
                            ignore_subscribe_messages=True, timeout=0.5
                        )
                        if message is not None:
                            self._apply(message["data"])
            except (RedisError, OSError) as error:
                logger.info("cache invalidation channel lost (%s); reconnecting", error)
                self._on_gap()
                await sleep_unless(stop, 1.0)

    def _apply(self, data: bytes | str) -> None:
        text = data.decode() if isinstance(data, bytes) else data
        if text == TOKENS_MESSAGE:
            self._on_tokens()
        elif text.startswith("ticket:") and text[7:].isdigit():
            self._on_ticket(int(text[7:]))
