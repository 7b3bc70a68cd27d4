"""Prometheus metrics of the adapters: cache, outbox, webhooks, connection pool.

HTTP metrics live with the HTTP layer (presentation/http/metrics.py); every metric is in
the default registry, which ``/metrics`` serves.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Iterator

from prometheus_client import REGISTRY, Counter, Gauge
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

from tessera.application.ports.clock import Clock
from tessera.infrastructure.clock import SystemClock
from tessera.infrastructure.persistence.direct import every_direct_pool
from tessera.infrastructure.persistence.tables import outbox
from tessera.infrastructure.waiting import sleep_unless

CACHE_REQUESTS = Counter(
    "tessera_cache_requests_total", "Cache lookups by level and result", ["level", "result"]
)
OUTBOX_BACKLOG = Gauge("tessera_outbox_backlog", "Events written but not yet published")
OUTBOX_OLDEST_AGE = Gauge(
    "tessera_outbox_oldest_age_seconds", "Age of the oldest unpublished event (0 when none)"
)
WEBHOOK_DELIVERIES = Counter(
    "tessera_webhook_attempts_total", "Webhook delivery attempts by outcome", ["outcome"]
)


_CACHE_CHILDREN: dict[tuple[str, bool], Counter] = {}


def record_cache(level: str, hit: bool) -> None:
    # Twice per request on the hot read: the labelled child is looked up once per level.
    child = _CACHE_CHILDREN.get((level, hit))
    if child is None:
        child = CACHE_REQUESTS.labels(level=level, result="hit" if hit else "miss")
        _CACHE_CHILDREN[(level, hit)] = child
    child.inc()


def record_webhook(outcome: str) -> None:
    WEBHOOK_DELIVERIES.labels(outcome=outcome).inc()


class PoolCollector(Collector):
    """Connection pool use, read at scrape time (summed over the process's engines)."""

    def __init__(self) -> None:
        self.engines: weakref.WeakSet[AsyncEngine] = weakref.WeakSet()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        totals = {"checked_out": 0, "idle": 0, "size": 0}
        for engine in list(self.engines):
            pool = engine.sync_engine.pool
            if isinstance(pool, QueuePool):
                totals["checked_out"] += pool.checkedout()
                totals["idle"] += pool.checkedin()
                totals["size"] += pool.size()
        for reads in every_direct_pool():  # the hot reads' own connections
            checked_out, idle, size = reads.connections()
            totals["checked_out"] += checked_out
            totals["idle"] += idle
            totals["size"] += size
        family = GaugeMetricFamily(
            "tessera_db_pool_connections", "Database connections by state", labels=["state"]
        )
        for state, value in totals.items():
            family.add_metric([state], value)
        yield family


_POOLS = PoolCollector()
REGISTRY.register(_POOLS)


def watch_pool(engine: AsyncEngine) -> None:
    _POOLS.engines.add(engine)


class OutboxGauges:
    """A BackgroundTask: samples the outbox backlog every few seconds."""

    name = "outbox-metrics"

    def __init__(
        self, engine: AsyncEngine, *, every: float = 5.0, clock: Clock | None = None
    ) -> None:
        self._engine = engine
        self._every = every
        self._clock = clock or SystemClock()

    async def sample(self) -> None:
        async with self._engine.connect() as conn:
            count, oldest = (
                await conn.execute(
                    select(func.count(), func.min(outbox.c.occurred_at)).where(
                        outbox.c.published_at.is_(None)
                    )
                )
            ).one()
        OUTBOX_BACKLOG.set(count)
        age = (self._clock.now() - oldest).total_seconds() if oldest is not None else 0.0
        OUTBOX_OLDEST_AGE.set(max(age, 0.0))

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.sample()
            except Exception:  # noqa: BLE001 - a metric must never take the process down
                OUTBOX_BACKLOG.set(float("nan"))
            await sleep_unless(stop, self._every, clock=self._clock)
