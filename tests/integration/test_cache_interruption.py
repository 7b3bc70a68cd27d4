"""Two replicas on one PostgreSQL database and one Redis: after Redis was restarted with its
data, or paused like a network partition, while one replica wrote, the other serves no old
version once Redis is back and a bounded settle time has passed (SPEC §5, §11)."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import httpx
import pytest
from redis.asyncio import Redis

from tessera.infrastructure.cache.keys import CacheKeys
from tessera.infrastructure.cache.redis_cache import (
    InvalidationReplay,
    InvalidationSubscriber,
    RedisTicketCache,
)
from tests.integration.replicas import NEW, replica, replica_settings, version
from tests.servers import ThrowawayServer

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

T = TypeVar("T")

SETTLE_SECONDS = 15.0  # how long after the interruption an old version may still be seen
READS = 20

Interruption = Callable[[ThrowawayServer], tuple[Callable[[], None], Callable[[], None]]]


def restart(redis: ThrowawayServer) -> tuple[Callable[[], None], Callable[[], None]]:
    """Killed, then started on the same append-only file: the old entries come back."""
    return redis.stop, redis.start


def pause(redis: ThrowawayServer) -> tuple[Callable[[], None], Callable[[], None]]:
    """SIGSTOP/SIGCONT: connections stay open, nothing answers."""
    return redis.pause, redis.resume


async def warm(clients: list[httpx.AsyncClient], count: int) -> list[int]:
    """``count`` tickets at version 1 in every replica's L1 and in L2."""
    ids = [(await clients[0].post("/v1/tickets", json=NEW)).json()["id"] for _ in range(count)]
    for ticket_id in ids:
        for client in (*clients, *clients):
            assert await version(client, ticket_id) == 1
    return ids


async def settled(client: httpx.AsyncClient, ids: list[int], want: int) -> None:
    """Polls (bounded) until ``client`` serves version ``want`` of every ticket."""
    deadline = time.monotonic() + SETTLE_SECONDS
    for ticket_id in ids:
        while await version(client, ticket_id) != want:
            assert time.monotonic() < deadline, (
                f"ticket {ticket_id} still old on the other replica {SETTLE_SECONDS} s "
                "after Redis came back"
            )
            await asyncio.sleep(0.05)


async def redis_back(clients: list[httpx.AsyncClient], redis_url: str) -> None:
    """Polls (bounded) until every replica finds Redis again and is subscribed once more:
    the interruption is over, as the replicas see it."""
    probe = Redis.from_url(redis_url)
    try:
        for client in clients:
            await until(
                functools.partial(client.get, "/readyz"),
                lambda response: response.json()["status"] == "ok",
                "Redis to be ready again",
            )
        channel = CacheKeys().channel
        await until(
            lambda: probe.pubsub_numsub(channel),
            lambda found: found[0][1] == len(clients),
            "every replica to subscribe again",
        )
    finally:
        await probe.aclose()


async def stale_reads(clients: list[httpx.AsyncClient], ids: list[int], want: int) -> int:
    versions = [await version(c, ids[n % len(ids)]) for n in range(READS) for c in clients]
    return sum(found != want for found in versions)


async def in_thread(operation: Callable[[], None]) -> None:
    await asyncio.to_thread(operation)


@pytest.mark.parametrize("interruption", [restart, pause], ids=["restart", "sigstop"])
async def test_no_replica_serves_an_old_version_once_a_redis_interruption_is_over(
    postgres_url: str, throwaway_redis: ThrowawayServer, interruption: Interruption
) -> None:
    settings = replica_settings(postgres_url, f"redis://127.0.0.1:{throwaway_redis.port}/0")
    begin, end = interruption(throwaway_redis)
    async with replica(settings) as writer, replica(settings) as reader:
        ids = await warm([writer, reader], 3)

        await in_thread(begin)
        for ticket_id in ids:  # written while the writer cannot reach Redis
            changed = await writer.patch(f"/v1/tickets/{ticket_id}", json={"title": "New"})
            assert changed.status_code == 200, changed.text
        await in_thread(end)

        await redis_back([writer, reader], settings.redis_url or "")
        await settled(reader, ids, 2)
        assert await stale_reads([reader, writer], ids, 2) == 0


async def test_an_invalidation_lost_with_its_writer_leaves_no_old_entry_in_redis(
    postgres_url: str, throwaway_redis: ThrowawayServer
) -> None:
    settings = replica_settings(postgres_url, f"redis://127.0.0.1:{throwaway_redis.port}/0")
    async with replica(settings) as reader:
        async with replica(settings) as writer:
            ids = await warm([writer, reader], 2)
            await in_thread(throwaway_redis.stop)
            for ticket_id in ids:
                assert (
                    await writer.patch(f"/v1/tickets/{ticket_id}", json={"title": "New"})
                ).is_success
        # The writer is gone with the invalidations it could not write; Redis comes back
        # with the entries they should have removed.
        await in_thread(throwaway_redis.start)

        await redis_back([reader], settings.redis_url or "")
        await settled(reader, ids, 2)
        assert await stale_reads([reader], ids, 2) == 0


async def test_a_paused_redis_counts_as_a_break_in_the_invalidation_channel(
    throwaway_redis: ThrowawayServer,
) -> None:
    url = f"redis://127.0.0.1:{throwaway_redis.port}/0"
    keys = CacheKeys("tessera")
    client = Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=0.5)
    gaps: list[float] = []
    subscriber = InvalidationSubscriber(
        client,
        on_ticket=lambda _: None,
        on_tokens=lambda: None,
        on_gap=lambda: gaps.append(time.monotonic()),
        keys=keys,
    )
    stop = asyncio.Event()
    running = asyncio.create_task(subscriber.run(stop))
    try:
        await until(lambda: count(gaps), lambda n: n == 1, "the subscription")
        throwaway_redis.pause()
        await until(lambda: count(gaps), lambda n: n > 1, "the pause to be noticed")  # L1 dropped
        throwaway_redis.resume()
        noticed = len(gaps)
        await until(lambda: count(gaps), lambda n: n > noticed, "the subscription to come back")
        probe = Redis.from_url(url)
        assert await probe.get(keys.epoch) is not None  # L2 entries from before disowned
        await probe.aclose()
    finally:
        throwaway_redis.resume()
        stop.set()
        await running
        await client.aclose()


async def until(
    observe: Callable[[], Awaitable[T]],
    condition: Callable[[T], bool],
    what: str,
    *,
    seconds: float = 15.0,
) -> None:
    """Bounded polling: ``observe`` until ``condition`` holds, failing after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition(await observe()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def count(items: list[float]) -> int:
    return len(items)


async def test_invalidations_redis_could_not_take_are_published_once_it_answers(
    throwaway_redis: ThrowawayServer,
) -> None:
    url = f"redis://127.0.0.1:{throwaway_redis.port}/0"
    client = Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
    cache = RedisTicketCache(client)
    await in_thread(throwaway_redis.stop)
    assert not await cache.invalidate({7, 8})  # kept for later
    await in_thread(throwaway_redis.start)

    listener = Redis.from_url(url)
    heard: set[str] = set()
    stop = asyncio.Event()
    async with listener.pubsub() as channel:
        await channel.subscribe(cache.keys.channel)

        async def listen() -> set[str]:
            message = await channel.get_message(ignore_subscribe_messages=True, timeout=0.2)
            if message is not None:
                heard.add(message["data"].decode())
            return heard

        assert await listen() == set()
        # Nothing calls the cache any more: the replay loop alone must write them.
        replay = asyncio.create_task(InvalidationReplay(cache).run(stop))
        await until(listen, lambda found: found == {"ticket:7", "ticket:8"}, "the replay")
        stop.set()
        await replay
    assert cache.pending == frozenset()
    await listener.aclose()
    await client.aclose()
