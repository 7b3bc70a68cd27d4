"""Token buckets: in process (one replica), or in Redis (shared by every replica), with the
in-process buckets standing in while Redis is unreachable."""

from __future__ import annotations

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


# KEYS[1] bucket; ARGV: capacity, rate per ms. Returns {allowed, tokens * 1000}. Redis's own
# clock decides (one round trip, and replicas' clocks need not agree).
_TAKE = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 't', 'u')
local tokens = tonumber(state[1]) or capacity
local updated = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(now - updated, 0) * rate)
local allowed = 0
if tokens >= 1 then
    allowed = 1
    tokens = tokens - 1
end
redis.call('HSET', KEYS[1], 't', tokens, 'u', now)
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / rate) + 1000)
return {allowed, math.floor(tokens * 1000)}
"""


class RedisBuckets:
    """Shared buckets, one Lua call per request."""

    def __init__(
        self,
        client: Redis,
        *,
        fallback: LocalBuckets | None = None,
        keys: CacheKeys | None = None,
    ) -> None:
        self._client = client
        self._keys = keys or CacheKeys()
        self._take = client.register_script(_TAKE)
        self._fallback = fallback or LocalBuckets()
        self._breaker = Breaker()

    async def hit(self, key: str, *, capacity: int, per_seconds: float) -> RateDecision:
        rate = capacity / per_seconds
        result = await self._breaker.call(lambda: self._run(key, capacity, rate))
        if result is None:  # Redis is down: limit per replica rather than not at all
            return await self._fallback.hit(key, capacity=capacity, per_seconds=per_seconds)
        allowed, tokens = result
        return _decision(tokens, capacity, rate, allowed)

    async def _run(self, key: str, capacity: int, rate: float) -> tuple[bool, float]:
        allowed, milli_tokens = await self._take(
            keys=[self._keys.rate_bucket(key)], args=[capacity, rate / 1000]
        )
        return bool(allowed), int(milli_tokens) / 1000
