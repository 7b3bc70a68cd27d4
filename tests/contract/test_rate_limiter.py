"""RateLimiter contract (in process and Redis): one token bucket per key, ``capacity`` tokens
refilled evenly over ``per_seconds``; a refusal says when to retry."""

from __future__ import annotations

import asyncio
import math

import pytest

from tessera.application.ports.rate_limit import RateLimiter
from tessera.infrastructure.ratelimit.buckets import LocalBuckets, RedisBuckets
from tests.contract.conftest import SharedRedis


@pytest.fixture(params=["local", pytest.param("redis", marks=pytest.mark.redis)])
def limiter(request: pytest.FixtureRequest) -> RateLimiter:
    if request.param == "local":
        return LocalBuckets()
    shared: SharedRedis = request.getfixturevalue("shared_redis")
    return RedisBuckets(shared.client, keys=shared.keys)


async def test_a_burst_of_capacity_is_allowed_then_refused(limiter: RateLimiter) -> None:
    decisions = [await limiter.hit("token:1:read", capacity=3, per_seconds=60) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    assert {d.limit for d in decisions} == {3}
    assert [d.retry_after_seconds for d in decisions[:3]] == [0, 0, 0]
    # One token comes back every 20 s; the bucket is full after 60 s.
    assert 1 <= decisions[3].retry_after_seconds <= 20
    assert decisions[0].reset_seconds == 20
    assert 40 < decisions[3].reset_seconds <= 60


async def test_keys_have_buckets_of_their_own(limiter: RateLimiter) -> None:
    assert (await limiter.hit("token:1:write", capacity=1, per_seconds=60)).allowed
    assert not (await limiter.hit("token:1:write", capacity=1, per_seconds=60)).allowed
    assert (await limiter.hit("token:2:write", capacity=1, per_seconds=60)).allowed


async def test_a_bucket_refills_over_its_period(limiter: RateLimiter) -> None:
    per_seconds = 1.0  # a token back every 0.5 s: the three hits come well within that
    for _ in range(2):
        await limiter.hit("token:1:burst", capacity=2, per_seconds=per_seconds)
    refused = await limiter.hit("token:1:burst", capacity=2, per_seconds=per_seconds)
    assert not refused.allowed
    assert refused.retry_after_seconds == 1  # whole seconds, never 0 when refused
    await asyncio.sleep(per_seconds * 1.5)  # more than the whole period: full again
    again = await limiter.hit("token:1:burst", capacity=2, per_seconds=per_seconds)
    assert again.allowed
    assert again.remaining == 1
    assert again.reset_seconds == math.ceil(1 / (2 / per_seconds)) == 1
