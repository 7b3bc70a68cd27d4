"""Fixtures shared by every test folder: databases (SQLite and PostgreSQL) and a clock."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import hypothesis  # noqa: F401 - see below
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.infrastructure.persistence import schema
from tessera.infrastructure.persistence.engine import create_engine
from tests.servers import ThrowawayServer, redis_command
from tests.spans import install_tracing
from tests.support import (
    FrozenClock,
    postgres_reachable,
    recreate_postgres_database,
    service_missing,
    truncate_all,
    worker_database_url,
)

# hypothesis is imported here, at collection, on purpose: when its pytest plugin first
# imports it from deep inside a session hook, pytest's assertion rewriter trips a CPython
# 3.11 bug ("AST constructor recursion depth mismatch").


# Before any container is built: containers wrap their use cases in spans only when a
# provider is installed, and only the first one installed counts.
install_tracing()


@pytest.hookimpl(tryfirst=True)  # before ``-m`` deselects, so the marker can be selected on
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that starts a Redis of its own needs a Redis server: mark it ``redis``."""
    for item in items:
        if "throwaway_redis" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.redis)


@pytest.fixture(scope="session")
def worker_id_name(request: pytest.FixtureRequest) -> str:
    worker = getattr(request.config, "workerinput", {}).get("workerid", "main")
    return str(worker)


@pytest.fixture(scope="session")
def postgres_database(worker_id_name: str) -> str:
    """A migrated PostgreSQL database for this worker, created once per session."""
    problem = postgres_reachable()
    if problem is not None:
        service_missing("PostgreSQL", problem)
    url = worker_database_url(worker_id_name)

    async def prepare() -> None:
        await recreate_postgres_database(url)
        engine = create_engine(url)
        try:
            await schema.upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(prepare())
    return url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating per test would be slow)."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"

    async def prepare() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        try:
            await schema.upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(prepare())
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty, migrated database: a fresh SQLite file, or the worker's truncated PostgreSQL."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "tessera.db"
        shutil.copy(template, path)
        yield f"sqlite+aiosqlite:///{path}"
    else:
        url: str = request.getfixturevalue("postgres_database")
        asyncio.run(truncate_all(url))
        yield url


@pytest.fixture
def postgres_url(postgres_database: str) -> str:
    asyncio.run(truncate_all(postgres_database))
    return postgres_database


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def throwaway_redis(tmp_path: Path) -> Iterator[ThrowawayServer]:
    """A redis-server of this test's own, on a free port, that the test may stop and start."""
    server = ThrowawayServer("redis-server", redis_command, tmp_path)
    server.start()
    yield server
    server.stop()
