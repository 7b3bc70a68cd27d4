"""Rate limits shared through Redis: two replicas drain one bucket; Redis down still limits."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from tessera.infrastructure.ratelimit.buckets import RedisBuckets
from tests.servers import ThrowawayServer

pytestmark = pytest.mark.redis


async def test_replicas_share_one_bucket_and_fall_back_when_redis_is_gone(
    throwaway_redis: ThrowawayServer,
) -> None:
    url = f"redis://127.0.0.1:{throwaway_redis.port}/0"
    one, two = RedisBuckets(Redis.from_url(url)), RedisBuckets(Redis.from_url(url))

    decisions = [
        await replica.hit("token:abc:read", capacity=4, per_seconds=60)
        for replica in (one, two, one, two, one)
    ]
    assert [d.allowed for d in decisions] == [True, True, True, True, False]
    assert [d.remaining for d in decisions] == [3, 2, 1, 0, 0]
    assert decisions[-1].retry_after_seconds >= 1

    throwaway_redis.stop()
    local = [
        (await one.hit("token:xyz:read", capacity=2, per_seconds=60)).allowed for _ in range(3)
    ]
    assert local == [True, True, False]  # limited per replica meanwhile, never unlimited
