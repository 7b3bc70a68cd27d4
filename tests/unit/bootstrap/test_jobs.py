"""The periodic jobs builder: the SLA monitor, the retention and upload sweeps, at their
intervals."""

from __future__ import annotations

from pathlib import Path

from tessera.bootstrap.jobs import build_jobs
from tessera.bootstrap.memory import build_memory_services
from tessera.bootstrap.settings import EventSettings, SlaSettings
from tessera.infrastructure.persistence.engine import create_engine
from tests.support import FrozenClock


async def test_the_jobs_are_built_under_one_lease(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'j.db'}")
    clock = FrozenClock()
    services, _ = build_memory_services(clock=clock)
    jobs = build_jobs(
        SlaSettings(check_seconds=7),
        EventSettings(sweep_seconds=11),
        engine=engine,
        detect_breaches=services.detect_breaches,
        sweep_uploads=services.sweep_uploads,
        upload_sweep_seconds=13,
        clock=clock,
    )
    assert [job.name for job in jobs] == ["sla-monitor", "retention-sweep", "upload-sweep"]
    await engine.dispose()
