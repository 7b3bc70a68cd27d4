"""Token buckets: in process (one replica), or in Redis (shared by every replica), with the
in-process buckets standing in while Redis is unreachable."""

from __future__ import annotations

import asyncio
import math
import time

from cachetools import TTLCache
from redis.asyncio import Redis

from tessera.application.ports.rate_limit import RateDecision
from tessera.infrastructure.cache.keys import CacheKeys
from tessera.infrastructure.cache.redis_cache import Breaker


def _decision(tokens: float, capacity: int, rate: float, allowed: bool) -> RateDecision:
    """``tokens`` left after this request; ``rate`` in tokens per second."""
    return RateDecision(
        allowed=allowed,
        limit=capacity,
        remaining=max(int(tokens), 0),
        reset_seconds=math.ceil((capacity - tokens) / rate),
        retry_after_seconds=0 if allowed else max(math.ceil((1 - tokens) / rate), 1),
    )


class LocalBuckets:
    def __init__(self, *, max_keys: int = 100_000) -> None:
        # Idle buckets are full again after at most an hour; forgetting them then is exact.
        self._buckets: TTLCache[str, tuple[float, float]] = TTLCache(maxsize=max_keys, ttl=3600)

    async def hit(self, key: str, *, capacity: int, per_seconds: float) -> RateDecision:
        rate = capacity / per_seconds
        now = time.monotonic()
        tokens, updated = self._buckets.get(key, (float(capacity), now))
        tokens = min(capacity, tokens + (now - updated) * rate)
        allowed = tokens >= 1
        if allowed:
            tokens -= 1
        self._buckets[key] = (tokens, now)
        return _decision(tokens, capacity, rate, allowed)


# KEYS[1] bucket; ARGV: capacity, rate per ms, tokens wanted. Takes as many whole tokens as
# the bucket holds, up to the number wanted. Returns {taken, tokens left * 1000}. Redis's own
# clock decides (one round trip, and replicas' clocks need not agree).
_LEASE = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local wanted = tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 't', 'u')
local tokens = tonumber(state[1]) or capacity
local updated = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(now - updated, 0) * rate)
local taken = math.min(wanted, math.floor(tokens))
tokens = tokens - taken
redis.call('HSET', KEYS[1], 't', tokens, 'u', now)
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / rate) + 1000)
return {taken, math.floor(tokens * 1000)}
"""

# A lease is at most this share of a bucket, and lives at most LEASE_SECONDS.
LEASE_SHARE = 50
MAX_LEASE = 100
LEASE_SECONDS = 1.0


def lease_size(capacity: int) -> int:
    """Tokens one replica takes from the shared bucket at a time: 2 % of the bucket (at most
    100), so that the limit stays within ``lease_size - 1`` requests per replica of exact."""
    return max(1, min(MAX_LEASE, capacity // LEASE_SHARE))


class _Lease:
    __slots__ = ("expires", "left", "shared")

    def __init__(self, left: int, shared: float, expires: float) -> None:
        self.left = left  # tokens taken from Redis, not yet spent here
        self.shared = shared  # tokens Redis still held when this lease was taken
        self.expires = expires


class RedisBuckets:
    """Shared buckets: each replica takes tokens from Redis a lease at a time and spends them
    without a round trip.

    Accuracy: every request allowed spent a token taken from the shared bucket, and a lease
    is spent within ``LEASE_SECONDS`` or dropped; so over any window each replica allows at
    most ``lease_size(capacity) - 1`` requests more than one exact bucket would (tokens it took
    a moment before the window) and refuses at most that many too early (tokens it holds while
    another replica asks). Buckets of 99 tokens or fewer take one token at a time: exact.
    """

    def __init__(
        self,
        client: Redis,
        *,
        fallback: LocalBuckets | None = None,
        keys: CacheKeys | None = None,
    ) -> None:
        self._client = client
        self._keys = keys or CacheKeys()
        self._lease = client.register_script(_LEASE)
        self._fallback = fallback or LocalBuckets()
        self._breaker = Breaker()
        # A lease outlives LEASE_SECONDS only as an entry to drop: forgetting it is exact.
        self._leases: TTLCache[str, _Lease] = TTLCache(maxsize=100_000, ttl=LEASE_SECONDS * 2)
        self._leasing: dict[str, asyncio.Future[None]] = {}
        self.round_trips = 0

    async def hit(self, key: str, *, capacity: int, per_seconds: float) -> RateDecision:
        rate = capacity / per_seconds
        while True:
            lease = self._leases.get(key)
            if lease is not None and lease.left > 0 and time.monotonic() < lease.expires:
                lease.left -= 1
                return _decision(lease.shared + lease.left, capacity, rate, allowed=True)
            pending = self._leasing.get(key)
            if pending is not None:  # one lease at a time per key: wait for it, then spend
                await asyncio.shield(pending)
                continue
            return await self._take_lease(key, capacity, per_seconds)

    async def _take_lease(self, key: str, capacity: int, per_seconds: float) -> RateDecision:
        rate = capacity / per_seconds
        pending = asyncio.get_running_loop().create_future()
        self._leasing[key] = pending
        try:
            result = await self._breaker.call(lambda: self._run(key, capacity, rate))
        finally:
            del self._leasing[key]
            pending.set_result(None)
        if result is None:  # Redis is down: limit per replica rather than not at all
            self._leases.pop(key, None)
            return await self._fallback.hit(key, capacity=capacity, per_seconds=per_seconds)
        taken, tokens = result
        if taken == 0:
            self._leases.pop(key, None)
            return _decision(tokens, capacity, rate, allowed=False)
        self._leases[key] = _Lease(taken - 1, tokens, time.monotonic() + LEASE_SECONDS)
        return _decision(tokens + taken - 1, capacity, rate, allowed=True)

    async def _run(self, key: str, capacity: int, rate: float) -> tuple[int, float]:
        self.round_trips += 1
        taken, milli_tokens = await self._lease(
            keys=[self._keys.rate_bucket(key)], args=[capacity, rate / 1000, lease_size(capacity)]
        )
        return int(taken), int(milli_tokens) / 1000
