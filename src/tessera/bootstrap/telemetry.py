"""Traces and metrics: the exporter, the engine's spans and pool gauges, the outbox gauges."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.application.ports.clock import Clock
from tessera.application.ports.events import BackgroundTask
from tessera.bootstrap.settings import TelemetrySettings
from tessera.infrastructure.cache.stats import CacheStats
from tessera.infrastructure.telemetry.metrics import (
    OutboxGauges,
    record_cache,
    watch_pool,
)
from tessera.infrastructure.telemetry.tracing import (
    Exporter,
    configure_tracing,
    instrument_engine,
    tracing_enabled,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Telemetry:
    # Loops every `serve` replica runs (the outbox backlog gauges).
    tasks: tuple[BackgroundTask, ...]


def build_telemetry(
    telemetry: TelemetrySettings, *, engine: AsyncEngine, cache_stats: CacheStats, clock: Clock
) -> Telemetry:
    configure_tracing(
        exporter=Exporter(telemetry.exporter.value),
        service_name=telemetry.service_name,
        endpoint=telemetry.otlp_endpoint,
        sample_ratio=telemetry.sample_ratio,
    )
    if tracing_enabled():  # else a span per statement would be made only to be dropped
        instrument_engine(engine)
    watch_pool(engine)
    cache_stats.listen(record_cache)
    return Telemetry(tasks=(OutboxGauges(engine, clock=clock),))
