"""The migration runner: stairway, one runner at a time, failed runs roll back, drift check."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import Column, Integer, MetaData, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.application.ports.health import Health
from tessera.bootstrap.container import Overrides, build_container
from tessera.bootstrap.settings import DatabaseSettings, Environment, Settings
from tessera.infrastructure.persistence.engine import create_engine
from tessera.infrastructure.persistence.health import DatabaseHealthCheck
from tessera.infrastructure.persistence.ledger import Ledger
from tessera.infrastructure.persistence.migration_lock import (
    ADVISORY_LOCK_KEY,
    MigrationLockedError,
)
from tessera.infrastructure.persistence.migration_state import RunState
from tessera.infrastructure.persistence.migrator import MigrationFailedError, Migrator
from tessera.infrastructure.persistence.schema import alembic_config
from tessera.infrastructure.persistence.tables import metadata
from tests.support import FrozenClock, recreate_postgres_database, worker_database_url

FAILING = str(Path(__file__).parent / "failing_migrations")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database_url(
    request: pytest.FixtureRequest, tmp_path: Path, worker_id_name: str
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        return
    request.getfixturevalue("postgres_database")  # fails in CI when PostgreSQL is absent
    url = worker_database_url(f"{worker_id_name}_migrations")
    asyncio.run(recreate_postgres_database(url))
    yield url


@pytest.fixture
async def empty_engine(empty_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(empty_database_url)
    yield engine
    await engine.dispose()


async def tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


async def runs(engine: AsyncEngine) -> list[tuple[str, str | None, RunState]]:
    async with engine.connect() as conn:
        records = await Ledger(conn).recent(50)
    return [(r.direction, r.to_revision, r.state) for r in reversed(records)]


@pytest.mark.slow
async def test_stairway_every_revision_goes_up_and_down_one_at_a_time(
    empty_engine: AsyncEngine,
) -> None:
    migrator = Migrator(empty_engine, environment="test")
    chain = [s.revision for s in reversed(list(migrator._script.walk_revisions()))]
    assert chain, "there are revisions"
    for revision in chain:
        assert (await migrator.upgrade("+1")).to_revision == revision
        await migrator.downgrade("-1")
        assert (await migrator.upgrade("+1")).to_revision == revision
    assert await migrator.check() == []
    for _ in chain:
        await migrator.downgrade("-1")
    assert await tables(empty_engine) <= {"alembic_version", "schema_migration_runs"}
    assert all(state is RunState.APPLIED for _, _, state in await runs(empty_engine))


async def test_a_failed_migration_leaves_the_schema_as_it_was(empty_engine: AsyncEngine) -> None:
    migrator = Migrator(
        empty_engine, environment="test", config=alembic_config(script_location=FAILING)
    )
    assert (await migrator.upgrade("f001")).applied
    with pytest.raises(MigrationFailedError):
        await migrator.upgrade("head")
    assert "half_done" not in await tables(empty_engine)
    async with empty_engine.connect() as conn:
        columns = await conn.run_sync(lambda c: [x["name"] for x in inspect(c).get_columns("good")])
        version = await conn.scalar(text("SELECT version_num FROM alembic_version"))
    assert columns == ["id"] and version == "f001"
    async with empty_engine.connect() as conn:
        [last, *_] = await Ledger(conn).recent(1)
    assert last.state is RunState.ROLLED_BACK and last.to_revision == "f002"
    assert last.error is not None and "NOT SQL" in last.error


async def test_nothing_to_do_records_no_run(empty_engine: AsyncEngine) -> None:
    migrator = Migrator(empty_engine, environment="test")
    assert (await migrator.upgrade()).applied
    assert not (await migrator.upgrade()).applied
    assert [state for _, _, state in await runs(empty_engine)] == [RunState.APPLIED]


async def test_check_reports_a_model_change_without_a_migration(empty_engine: AsyncEngine) -> None:
    migrator = Migrator(empty_engine, environment="test")
    await migrator.upgrade()
    drifted = MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.sorted_tables:
        table.to_metadata(drifted)
    drifted.tables["tickets"].append_column(Column("colour", Integer))
    differences = await migrator.check(drifted)
    assert len(differences) == 1 and "colour" in differences[0]
    assert await migrator.check() == []


async def test_readiness_names_a_schema_behind_or_ahead_of_the_code(
    empty_engine: AsyncEngine,
) -> None:
    check = DatabaseHealthCheck(empty_engine)
    behind = await check.check()
    assert (behind.health, behind.code) == (Health.FAILED, "schema_out_of_date")
    await Migrator(empty_engine, environment="test").upgrade()
    assert (await check.check()).health is Health.OK
    async with empty_engine.begin() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = 'ffff_future'"))
    ahead = await check.check()
    assert (ahead.health, ahead.code) == (Health.FAILED, "schema_ahead_of_code")
    assert ahead.details["current"] == ["ffff_future"]


async def test_staging_never_migrates_on_start(empty_database_url: str) -> None:
    settings = Settings(env=Environment.STAGING, database=DatabaseSettings(url=empty_database_url))
    container = build_container(settings)
    try:
        assert await container.start() is None  # no bootstrap token on a schema-less database
        results = {r.name: r for r in [await c.check() for c in container.services.health_checks]}
        found = await tables(container.engine)
    finally:
        await container.close()
    assert results["database"].code == "schema_out_of_date"
    assert results["startup"].health is Health.FAILED
    assert "tickets" not in found


async def test_a_staging_server_opens_its_schema_gate_once_the_schema_is_at_head(
    empty_database_url: str,
) -> None:
    settings = Settings(
        env=Environment.STAGING,
        bootstrap_admin_token=SecretStr("tsr_gate-test-secret-0123456789abcdefghijk"),
        database=DatabaseSettings(url=empty_database_url),
    )
    clock = FrozenClock()
    container = build_container(settings, overrides=Overrides(clock=clock))
    poll = settings.database.schema_poll_seconds
    stop = asyncio.Event()
    try:
        assert await container.start() is None
        waiting = asyncio.create_task(container.open_when_ready(stop))
        for _ in range(3):  # a few looks at a schema-less database, one per poll
            await clock.until_sleeping()
            clock.advance(seconds=poll)
        await clock.until_sleeping()
        assert not waiting.done() and not container.schema_gate.is_open()
        await Migrator(container.engine, environment="staging").upgrade()
        clock.advance(seconds=poll)  # the next look finds the schema at head
        issued = await asyncio.wait_for(waiting, timeout=30)
        principal = await container.services.authenticate(
            "tsr_gate-test-secret-0123456789abcdefghijk"
        )
        startup = await container.schema_gate.check()
    finally:
        stop.set()
        await container.close()
    assert issued is not None  # the bootstrap admin token, created once the tables exist
    assert container.started and container.schema_gate.is_open()
    assert principal.role.value == "admin"
    assert startup.health is Health.OK


@pytest.fixture
def empty_postgres_url(postgres_database: str, worker_id_name: str) -> str:
    url = worker_database_url(f"{worker_id_name}_runners")
    asyncio.run(recreate_postgres_database(url))
    return url


@pytest.mark.postgres
async def test_two_runners_at_once_one_applies_and_the_other_finds_nothing(
    empty_postgres_url: str,
) -> None:
    empty_database_url = empty_postgres_url
    holder = create_engine(empty_database_url)
    engines = [create_engine(empty_database_url) for _ in range(2)]
    waiting = [asyncio.Event(), asyncio.Event()]
    try:
        async with holder.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY})
            tasks = [
                asyncio.create_task(
                    Migrator(engine, environment="test", on_wait=waiting[i].set).upgrade()
                )
                for i, engine in enumerate(engines)
            ]
            await asyncio.wait_for(asyncio.gather(*(w.wait() for w in waiting)), timeout=10)
            with pytest.raises(MigrationLockedError):
                await Migrator(engines[0], environment="test").upgrade(wait=False)
            await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK_KEY})
        outcomes = await asyncio.gather(*tasks)
        assert sorted(o.applied for o in outcomes) == [False, True]
        assert all(o.waited for o in outcomes)
        assert [state for _, _, state in await runs(engines[0])] == [RunState.APPLIED]
    finally:
        for engine in (holder, *engines):
            await engine.dispose()
