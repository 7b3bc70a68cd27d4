"""The telemetry builder: tracing configured, the engine watched, the outbox gauges returned."""

from __future__ import annotations

from pathlib import Path

import pytest

from tessera.bootstrap import telemetry
from tessera.bootstrap.settings import TelemetrySettings
from tessera.bootstrap.telemetry import build_telemetry
from tessera.infrastructure.cache.stats import CacheStats
from tessera.infrastructure.persistence.engine import create_engine
from tests.support import FrozenClock


async def test_the_outbox_gauges_run_on_every_replica(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 't.db'}")
    built = build_telemetry(
        TelemetrySettings(), engine=engine, cache_stats=CacheStats(), clock=FrozenClock()
    )
    assert [task.name for task in built.tasks] == ["outbox-metrics"]
    await engine.dispose()


async def test_statements_are_traced_only_while_spans_are_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def listeners(tracing: bool) -> int:
        monkeypatch.setattr(telemetry, "tracing_enabled", lambda: tracing)
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 't.db'}")
        build_telemetry(
            TelemetrySettings(), engine=engine, cache_stats=CacheStats(), clock=FrozenClock()
        )
        return len(engine.sync_engine.dispatch.before_cursor_execute)

    assert listeners(tracing=True) > listeners(tracing=False)
