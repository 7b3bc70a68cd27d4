"""The cache builder: L1 only without Redis; L2, the channel and their closers with it."""

from __future__ import annotations

from redis.asyncio import Redis

from tessera.bootstrap.caching import build_caches
from tessera.bootstrap.overrides import Overrides
from tessera.bootstrap.settings import CacheSettings
from tessera.infrastructure.cache.keys import CacheKeys
from tessera.infrastructure.cache.redis_cache import RedisTicketCache
from tests.support import FrozenClock
from tests.unit.bootstrap.conftest import RecordingOpener


def test_without_redis_the_cache_is_in_process_only() -> None:
    opener = RecordingOpener()
    caches = build_caches(
        CacheSettings(),
        redis_url=None,
        namespace="t",
        clock=FrozenClock(),
        overrides=Overrides(open_redis=opener),
    )
    assert caches.shared is None
    assert (caches.tasks, caches.health_checks, caches.closers) == ((), (), ())
    assert opener.opened == []


async def test_with_redis_each_client_opened_has_a_closer() -> None:
    opener = RecordingOpener()
    caches = build_caches(
        CacheSettings(l2_ttl_seconds=60),
        redis_url="redis://127.0.0.1:1/0",
        namespace="t",
        clock=FrozenClock(),
        overrides=Overrides(open_redis=opener),
    )
    assert caches.shared is not None
    assert [task.name for task in caches.tasks] == [
        "cache-invalidation-replay",
        "cache-invalidations",
    ]
    assert len(caches.health_checks) == 1
    assert len(opener.clients) == len(caches.closers) == 2
    for close in caches.closers:
        await close()


def test_an_overridden_shared_cache_is_used_and_not_opened_again() -> None:
    opener = RecordingOpener()
    shared = RedisTicketCache(Redis.from_url("redis://127.0.0.1:1/0"), ttl=5, keys=CacheKeys("t"))
    caches = build_caches(
        CacheSettings(),
        redis_url="redis://127.0.0.1:1/0",
        namespace="t",
        clock=FrozenClock(),
        overrides=Overrides(shared_cache=shared, open_redis=opener),
    )
    assert caches.shared is shared
    assert len(opener.opened) == 1  # the invalidation listener only
