"""HealthCheck contract (the database on SQLite and PostgreSQL, Redis): OK while the dependency
answers; when it does not, a result that says so (FAILED for the database, DEGRADED for the
cache) and never an exception."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from tessera.application.ports.health import CheckResult, Health, HealthCheck
from tessera.infrastructure.cache.health import RedisHealthCheck
from tessera.infrastructure.persistence.engine import create_engine
from tessera.infrastructure.persistence.health import DatabaseHealthCheck
from tests.contract.conftest import REDIS_URL, closed_port, unreachable_database_url


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("redis", marks=pytest.mark.redis),
    ]
)
def reachable(request: pytest.FixtureRequest) -> tuple[str, str]:
    """(kind, the URL of a running dependency)."""
    if request.param == "redis":
        request.getfixturevalue("shared_redis")  # reachable, or the test fails/skips
        return "redis", REDIS_URL
    database = "postgres_url" if request.param == "postgres" else "sqlite_url"
    url: str = request.getfixturevalue(database)
    return "database", url


@pytest.fixture(params=["database", "redis"])
def unreachable(request: pytest.FixtureRequest) -> tuple[str, str]:
    """(kind, the URL of a dependency that does not answer)."""
    if request.param == "redis":
        return "redis", f"redis://127.0.0.1:{closed_port()}/0"
    return "database", unreachable_database_url()


async def _check(check: HealthCheck) -> CheckResult:
    return await check.check()


async def checked(kind: str, url: str) -> tuple[str, Health, str | None]:
    if kind == "redis":
        client = Redis.from_url(url)
        try:
            result = await _check(RedisHealthCheck(client))
        finally:
            await client.aclose()
    else:
        engine = create_engine(url)
        try:
            result = await _check(DatabaseHealthCheck(engine))
        finally:
            await engine.dispose()
    return result.name, result.health, result.code


async def test_a_dependency_that_answers_is_ok(reachable: tuple[str, str]) -> None:
    kind, url = reachable
    assert await checked(kind, url) == (kind, Health.OK, None)


async def test_a_dependency_that_does_not_answer_is_reported_never_raised(
    unreachable: tuple[str, str],
) -> None:
    kind, url = unreachable
    expected = Health.DEGRADED if kind == "redis" else Health.FAILED
    assert await checked(kind, url) == (kind, expected, f"{kind}_unavailable")
