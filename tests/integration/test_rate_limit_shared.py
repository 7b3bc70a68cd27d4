"""Rate limits shared through Redis: two replicas drain one bucket, a lease of tokens at a time
within the documented bound; Redis down still limits."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from tessera.infrastructure.ratelimit.buckets import LEASE_SECONDS, RedisBuckets, lease_size
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


HOUR = 3600.0  # a bucket that barely refills while the test runs
CAPACITY = 1000  # leases of 20 tokens


async def test_a_large_bucket_is_spent_a_lease_at_a_time_within_the_documented_bound(
    throwaway_redis: ThrowawayServer,
) -> None:
    clients = [Redis.from_url(f"redis://127.0.0.1:{throwaway_redis.port}/0") for _ in "12"]
    one, two = RedisBuckets(clients[0]), RedisBuckets(clients[1])
    batch = lease_size(CAPACITY)
    assert batch == 20

    assert (await one.hit("token:t:read", capacity=CAPACITY, per_seconds=HOUR)).allowed
    by_two = 0
    while (await two.hit("token:t:read", capacity=CAPACITY, per_seconds=HOUR)).allowed:
        by_two += 1
    # Two is refused early by at most the lease one still holds...
    assert by_two == CAPACITY - batch
    assert two.round_trips == by_two // batch + 1  # ...and paid a round trip per lease
    by_one = 1
    while (await one.hit("token:t:read", capacity=CAPACITY, per_seconds=HOUR)).allowed:
        by_one += 1
    # ...which one spends: together exactly the bucket, never more.
    assert by_one == batch
    assert by_one + by_two == CAPACITY
    for client in clients:
        await client.aclose()


async def test_concurrent_requests_share_one_lease_and_an_old_lease_is_dropped(
    throwaway_redis: ThrowawayServer,
) -> None:
    client = Redis.from_url(f"redis://127.0.0.1:{throwaway_redis.port}/0")
    buckets = RedisBuckets(client)
    decisions = await asyncio.gather(
        *(buckets.hit("token:c:read", capacity=CAPACITY, per_seconds=HOUR) for _ in range(50))
    )
    assert all(d.allowed for d in decisions)
    assert buckets.round_trips == 3  # 50 requests, leases of 20
    assert min(d.remaining for d in decisions) == CAPACITY - 50

    await asyncio.sleep(LEASE_SECONDS + 0.1)  # the 10 tokens left in the lease are dropped
    again = await buckets.hit("token:c:read", capacity=CAPACITY, per_seconds=HOUR)
    assert buckets.round_trips == 4
    # The dropped tokens are gone from the budget (refused early, never allowed twice).
    assert again.remaining == CAPACITY - 50 - 10 - 1
    await client.aclose()
