"""L2: ticket views in Redis, shared by every replica, and the pub/sub channel that tells
the replicas' L1s what changed.

Redis is optional and may fail at any time: every call goes through a breaker that, after a
failure, skips Redis for a short while (reads fall through to the database). Invalidations
that could not be written are kept and written by a background loop as soon as Redis
answers again (``InvalidationReplay``).

An entry carries the *stamp* it was filled under, ``<generation>/<epoch>``: the ticket's
generation (moved on by every invalidation of the ticket) and the namespace's epoch (moved
on after any break in the invalidation channel). A lookup serves an entry only while both
are unchanged, so neither an invalidation nor a lost one can leave an old view served.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import NoScriptError, RedisError

from tessera.application.ports.clock import Clock
from tessera.infrastructure.cache.keys import CacheKeys
from tessera.infrastructure.cache.pipelining import CommandBatches
from tessera.infrastructure.clock import SystemClock
from tessera.infrastructure.waiting import sleep_unless, wait_any

logger = logging.getLogger("tessera.cache")

T = TypeVar("T")

TOKENS_MESSAGE = "tokens"

# KEYS: value, generation, epoch; ARGV: payload, the stamp read before loading, TTL. Store
# only if the stamp is still the current one.
_FILL = """
local stamp = (redis.call('GET', KEYS[2]) or '') .. '/' .. (redis.call('GET', KEYS[3]) or '')
if stamp == ARGV[2] then
    redis.call('SET', KEYS[1], stamp .. '|' .. ARGV[1], 'EX', ARGV[3])
    return 1
end
return 0
"""


def _text(item: bytes | str | None) -> str:
    if item is None:
        return ""
    return item.decode() if isinstance(item, bytes) else item


def _bytes(item: bytes | str | None) -> bytes | None:
    return item.encode() if isinstance(item, str) else item


class Breaker:
    """Closed: calls go through. After a failure: open for ``cooldown`` seconds."""

    def __init__(self, *, cooldown: float = 2.0, clock: Clock | None = None) -> None:
        self._cooldown = timedelta(seconds=cooldown)
        self._clock = clock or SystemClock()
        self._open_until: datetime | None = None
        self.failing = False

    @property
    def allows(self) -> bool:
        return self._open_until is None or self._clock.now() >= self._open_until

    async def call(self, operation: Callable[[], Awaitable[T]]) -> T | None:
        """The result, or None when Redis is skipped or fails."""
        if not self.allows:
            return None
        return await self.probe(operation)

    async def probe(self, operation: Callable[[], Awaitable[T]]) -> T | None:
        """Like ``call`` but even while open; a success closes the breaker."""
        try:
            result = await operation()
        except (RedisError, OSError) as error:
            self._open_until = self._clock.now() + self._cooldown
            if not self.failing:
                logger.warning("Redis unavailable; serving from the database: %s", error)
                self.failing = True
            return None
        self._open_until = None
        if self.failing:
            logger.warning("Redis is reachable again")
            self.failing = False
        return result


class RedisTicketCache:
    def __init__(
        self,
        client: Redis,
        *,
        ttl: int = 900,
        breaker: Breaker | None = None,
        keys: CacheKeys | None = None,
    ) -> None:
        self._client = client
        self._ttl = ttl
        self.breaker = breaker or Breaker()
        self.keys = keys or CacheKeys()
        self._pending: set[int] = set()  # invalidations Redis has not taken yet
        self.has_pending = asyncio.Event()
        self._fill = client.register_script(_FILL)
        # Lookups and fills of one turn of the event loop share one round trip.
        self._batches = CommandBatches(client)

    @property
    def pending(self) -> frozenset[int]:
        return frozenset(self._pending)

    async def lookup(self, ticket_id: int) -> tuple[bytes | None, str] | None:
        """(value, stamp) in one round trip; None when Redis is unavailable."""
        await self._flush_pending()
        keys = self.keys
        found = await self.breaker.call(
            lambda: self._batches.run(
                lambda pipe: pipe.mget(
                    keys.ticket(ticket_id), keys.generation(ticket_id), keys.epoch
                )
            )
        )
        if found is None:
            return None
        value, generation, epoch = found
        stamp = f"{_text(generation)}/{_text(epoch)}"
        filled, _, payload = (_bytes(value) or b"").partition(b"|")
        return (payload if value is not None and filled == stamp.encode() else None), stamp

    async def put_if(self, ticket_id: int, value: bytes, stamp: str) -> None:
        keys = [self.keys.ticket(ticket_id), self.keys.generation(ticket_id), self.keys.epoch]
        args: list[bytes | str | int] = [value, stamp, self._ttl]

        async def fill() -> object:
            try:
                return await self._batches.run(
                    lambda pipe: pipe.evalsha(self._fill.sha, len(keys), *keys, *args)
                )
            except NoScriptError:  # a Redis that restarted: load the script and fill
                return await self._fill(keys=keys, args=args)

        await self.breaker.call(fill)

    async def invalidate(self, ticket_ids: set[int]) -> bool:
        """Drop the values and move the generations on; publish for the other replicas.
        Returns False (and keeps them for ``InvalidationReplay``) when Redis did not take
        them."""
        self._pending |= ticket_ids
        return await self._flush_pending()

    async def publish(self, message: str) -> None:
        await self.breaker.call(lambda: self._client.publish(self.keys.channel, message))

    async def replay(self) -> bool:
        """Write the pending invalidations even while the breaker is open (a probe)."""
        return await self._flush_pending(probe=True)

    async def _flush_pending(self, *, probe: bool = False) -> bool:
        if not self._pending:
            return True
        if not (probe or self.breaker.allows):
            self.has_pending.set()  # the replay loop takes over
            return False
        ids = set(self._pending)
        keys = self.keys

        async def write() -> list[Any]:
            async with self._client.pipeline(transaction=True) as pipe:
                for ticket_id in sorted(ids):
                    pipe.incr(keys.generation(ticket_id))
                    pipe.expire(keys.generation(ticket_id), 86_400)
                    pipe.delete(keys.ticket(ticket_id))
                    pipe.publish(keys.channel, f"ticket:{ticket_id}")
                return await pipe.execute()

        if await self.breaker.probe(write) is None:
            self.has_pending.set()
            return False
        self._pending -= ids
        if not self._pending:
            self.has_pending.clear()
        return True


class InvalidationReplay:
    """A BackgroundTask on every replica: writes the invalidations Redis could not take as
    soon as it answers again, not at this replica's next Redis call (which may never come),
    so that no replica serves an old version for longer than the outage lasted."""

    name = "cache-invalidation-replay"

    def __init__(
        self, cache: RedisTicketCache, *, retry_seconds: float = 0.2, clock: Clock | None = None
    ) -> None:
        self._cache = cache
        self._retry = retry_seconds
        self._clock = clock or SystemClock()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            if not self._cache.pending:
                await wait_any(stop, self._cache.has_pending, seconds=5.0, clock=self._clock)
            elif not await self._cache.replay():
                await sleep_unless(stop, self._retry, clock=self._clock)


class _ChannelSilentError(Exception):
    """Redis took no notice of our pings: paused, or the network between is cut."""


class InvalidationSubscriber:
    """A BackgroundTask on every replica: applies other replicas' invalidations to this L1.

    The whole L1 is dropped once the subscription is confirmed (anything before may have
    been missed) and again after any break in it; a ping that goes unanswered counts as a
    break, since a paused Redis or a cut network closes no connection. After a break the
    epoch is moved on, so L2 entries that a lost invalidation left behind are not served.
    """

    name = "cache-invalidations"

    def __init__(
        self,
        client: Redis,
        *,
        on_ticket: Callable[[int], None],
        on_tokens: Callable[[], None],
        on_gap: Callable[[], None],
        keys: CacheKeys | None = None,
        heartbeat_seconds: float = 1.0,
        retry_seconds: float = 1.0,
        clock: Clock | None = None,
    ) -> None:
        self._client = client
        self._clock = clock or SystemClock()
        self._on_ticket = on_ticket
        self._on_tokens = on_tokens
        self._on_gap = on_gap
        self._keys = keys or CacheKeys()
        self._heartbeat = heartbeat_seconds
        self._retry = retry_seconds

    async def run(self, stop: asyncio.Event) -> None:
        interrupted = False
        while not stop.is_set():
            try:
                async with self._client.pubsub() as pubsub:
                    await self._subscribe(pubsub)
                    if interrupted:
                        await self._client.incr(self._keys.epoch)
                        interrupted = False
                    self._on_gap()  # anything before this moment may have been missed
                    await self._listen(pubsub, stop)
            except (RedisError, OSError, _ChannelSilentError) as error:
                if not interrupted:
                    logger.info("cache invalidation channel lost (%r); reconnecting", error)
                interrupted = True
                self._on_gap()
                await sleep_unless(stop, self._retry, clock=self._clock)

    # The heartbeat is kept on the monotonic clock, not on ``clock``: it bounds waits on the
    # socket itself, which only real time ends.
    async def _subscribe(self, pubsub: PubSub) -> None:
        """Returns once Redis has confirmed the subscription."""
        await pubsub.subscribe(self._keys.channel)
        deadline = time.monotonic() + 3 * self._heartbeat
        while (left := deadline - time.monotonic()) > 0:
            message = await pubsub.get_message(timeout=left)
            if message is not None and message["type"] == "subscribe":
                return
        raise _ChannelSilentError("no confirmation of the subscription")

    async def _listen(self, pubsub: PubSub, stop: asyncio.Event) -> None:
        heard = time.monotonic()
        while not stop.is_set():
            message = await pubsub.get_message(
                ignore_subscribe_messages=True, timeout=self._heartbeat
            )
            if message is not None:
                heard = time.monotonic()
                if message["type"] == "message":
                    self._apply(message["data"])
                continue
            if time.monotonic() - heard > 3 * self._heartbeat:
                raise _ChannelSilentError("no answer to pings")
            await pubsub.ping()

    def _apply(self, data: bytes | str) -> None:
        text = _text(data)
        if text == TOKENS_MESSAGE:
            self._on_tokens()
        elif text.startswith("ticket:") and text[7:].isdigit():
            self._on_ticket(int(text[7:]))
