"""The HTTP edge's rate limiter: shared buckets in Redis, else buckets in this process."""

from __future__ import annotations

from dataclasses import dataclass

from tessera.application.ports.rate_limit import RateLimiter
from tessera.bootstrap.overrides import Closer, Overrides
from tessera.bootstrap.settings import RateLimitSettings
from tessera.infrastructure.cache.keys import CacheKeys
from tessera.infrastructure.ratelimit.buckets import LocalBuckets, RedisBuckets


@dataclass(frozen=True, slots=True, kw_only=True)
class RateLimiting:
    limiter: RateLimiter | None  # None: rate limiting is off
    closers: tuple[Closer, ...] = ()


def build_rate_limiter(
    rate_limit: RateLimitSettings, *, redis_url: str | None, namespace: str, overrides: Overrides
) -> RateLimiting:
    if overrides.rate_limiter is not None:
        return RateLimiting(limiter=overrides.rate_limiter)
    if not rate_limit.enabled:
        return RateLimiting(limiter=None)
    if not redis_url:
        return RateLimiting(limiter=LocalBuckets())
    client = overrides.open_redis(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
    return RateLimiting(
        limiter=RedisBuckets(client, keys=CacheKeys(namespace)), closers=(client.aclose,)
    )
