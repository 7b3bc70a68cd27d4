"""The read cache: L1 in each process always; L2 and the invalidation channel with Redis."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from tessera.application.ports.clock import Clock
from tessera.application.ports.events import BackgroundTask
from tessera.application.ports.health import HealthCheck
from tessera.application.views import TicketView
from tessera.bootstrap.overrides import Closer, Overrides
from tessera.bootstrap.settings import CacheSettings
from tessera.domain.access.principal import Principal
from tessera.infrastructure.cache.health import RedisHealthCheck
from tessera.infrastructure.cache.keys import CacheKeys
from tessera.infrastructure.cache.local import LocalCache
from tessera.infrastructure.cache.redis_cache import (
    Breaker,
    InvalidationReplay,
    InvalidationSubscriber,
    RedisTicketCache,
)
from tessera.infrastructure.cache.stats import CacheStats
from tessera.infrastructure.cache.tickets import CacheInvalidator

logger = logging.getLogger("tessera")


@dataclass(frozen=True, slots=True, kw_only=True)
class Caches:
    tickets: LocalCache[int, TicketView]
    principals: LocalCache[str, Principal]
    shared: RedisTicketCache | None
    invalidator: CacheInvalidator
    stats: CacheStats
    # Loops every `serve` replica runs whatever the shape (the invalidation channel).
    tasks: tuple[BackgroundTask, ...]
    health_checks: tuple[HealthCheck, ...]
    closers: tuple[Closer, ...]


def build_caches(
    cache: CacheSettings,
    *,
    redis_url: str | None,
    namespace: str,
    clock: Clock,
    overrides: Overrides,
) -> Caches:
    tickets: LocalCache[int, TicketView] = LocalCache(
        maxsize=cache.l1_size, ttl=cache.l1_ttl_seconds
    )
    principals: LocalCache[str, Principal] = LocalCache(
        maxsize=cache.l1_size, ttl=cache.token_ttl_seconds
    )
    shared = overrides.shared_cache
    tasks: list[BackgroundTask] = []
    checks: list[HealthCheck] = []
    closers: list[Closer] = []
    keys = CacheKeys(namespace)
    if redis_url and shared is None:
        client = overrides.open_redis(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
        shared = RedisTicketCache(
            client, ttl=cache.l2_ttl_seconds, breaker=Breaker(clock=clock), keys=keys
        )
        closers.append(client.aclose)
        checks.append(RedisHealthCheck(client))
    if shared is not None:
        tasks.append(InvalidationReplay(shared, clock=clock))
    else:
        logger.info("no TESSERA_REDIS_URL: caching in process only")
    invalidator = CacheInvalidator(l1=tickets, l2=shared)
    invalidator.token_caches.append(principals)
    if redis_url:
        # A paused Redis accepts connections but never answers: every wait is bounded.
        listener = overrides.open_redis(redis_url, socket_timeout=1.0, socket_connect_timeout=0.5)
        tasks.append(
            InvalidationSubscriber(
                listener,
                on_ticket=invalidator.drop_ticket,
                on_tokens=invalidator.drop_tokens,
                on_gap=invalidator.drop_everything,
                keys=keys,
                clock=clock,
            )
        )
        closers.append(listener.aclose)
    return Caches(
        tickets=tickets,
        principals=principals,
        shared=shared,
        invalidator=invalidator,
        stats=CacheStats(),
        tasks=tuple(tasks),
        health_checks=tuple(checks),
        closers=tuple(closers),
    )
