"""HealthCheck contract (the database on SQLite and PostgreSQL, Redis): OK while the dependency
answers; when it does not, a result that says so (FAILED for the database, DEGRADED for the
cache) and never an exception."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from redis.asyncio import Redis

from tessera.application.ports.health import Health, HealthCheck
from tessera.infrastructure.cache.health import RedisHealthCheck
from tessera.infrastructure.persistence.engine import create_engine
from tessera.infrastructure.persistence.health import DatabaseHealthCheck
from tests.contract.conftest import REDIS_URL, closed_port, unreachable_like


@dataclass
class Checks:
    name: str
    up: HealthCheck
    down: HealthCheck
    when_down: Health


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("redis", marks=pytest.mark.redis),
    ]
)
def target(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str, str]:
    """(kind, a reachable URL, an unreachable URL)."""
    if request.param == "redis":
        request.getfixturevalue("shared_redis")  # reachable, or the test fails/skips
        return "redis", REDIS_URL, f"redis://127.0.0.1:{closed_port()}/0"
    up: str = request.getfixturevalue(
        "postgres_url" if request.param == "postgres" else "sqlite_url"
    )
    return "database", up, unreachable_like(up, tmp_path)


@pytest.fixture
async def checks(target: tuple[str, str, str]) -> AsyncIterator[Checks]:
    kind, up_url, down_url = target
    if kind == "redis":
        up_client, down_client = Redis.from_url(up_url), Redis.from_url(down_url)
        yield Checks(
            "redis", RedisHealthCheck(up_client), RedisHealthCheck(down_client), Health.DEGRADED
        )
        await up_client.aclose()
        await down_client.aclose()
        return
    up, down = create_engine(up_url), create_engine(down_url)
    yield Checks("database", DatabaseHealthCheck(up), DatabaseHealthCheck(down), Health.FAILED)
    await up.dispose()
    await down.dispose()


async def test_a_dependency_that_answers_is_ok(checks: Checks) -> None:
    result = await checks.up.check()
    assert (result.name, result.health, result.code) == (checks.name, Health.OK, None)


async def test_a_dependency_that_does_not_answer_is_reported_never_raised(
    checks: Checks,
) -> None:
    result = await checks.down.check()
    assert (result.name, result.health) == (checks.name, checks.when_down)
    assert result.code is not None
    assert result.code.endswith("unavailable") or result.code == "database_error"
