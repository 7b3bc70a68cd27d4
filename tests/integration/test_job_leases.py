"""Periodic jobs run on one worker at a time: a lease in the database (PostgreSQL and SQLite)
that the holder renews on every run, and that another worker takes once it has expired."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.bootstrap.container import Overrides, build_container
from tessera.bootstrap.settings import DatabaseSettings, Environment, Settings, SlaSettings
from tessera.infrastructure.messaging.periodic import JobLease, PeriodicJob
from tessera.infrastructure.persistence.leases import SqlAlchemyLeaseStore
from tests.support import FrozenClock

EVERY = 10.0  # seconds; the lease lasts three periods


def _runner(engine: AsyncEngine, clock: FrozenClock, holder: str, runs: list[str]) -> PeriodicJob:
    async def job() -> None:
        runs.append(holder)

    lease = JobLease(store=SqlAlchemyLeaseStore(engine), holder=holder, clock=clock)
    return PeriodicJob("sla-monitor", job, every=EVERY, lease=lease)


async def test_one_of_two_runners_holds_the_lease_until_it_stops_renewing(
    engine: AsyncEngine, clock: FrozenClock
) -> None:
    runs: list[str] = []
    one, two = _runner(engine, clock, "one", runs), _runner(engine, clock, "two", runs)

    assert sorted(await asyncio.gather(one.tick(), two.tick())) == [False, True]
    holder, other = (one, two) if runs == ["one"] else (two, one)
    clock.advance(seconds=EVERY)
    assert (await holder.tick(), await other.tick()) == (True, False)  # renewed

    clock.advance(seconds=3 * EVERY - 1)  # the holder stopped renewing; not expired yet
    assert await other.tick() is False
    clock.advance(seconds=1)  # expired: the other worker takes over, and keeps it
    assert (await other.tick(), await holder.tick()) == (True, False)
    clock.advance(seconds=EVERY)
    assert (await holder.tick(), await other.tick()) == (False, True)
    assert runs == [runs[0], runs[0], runs[2], runs[2]] and runs[0] != runs[2]


async def test_a_runner_that_stops_gives_the_lease_up_at_once(
    engine: AsyncEngine, clock: FrozenClock
) -> None:
    runs: list[str] = []
    one, two = _runner(engine, clock, "one", runs), _runner(engine, clock, "two", runs)
    stop = asyncio.Event()
    running = asyncio.create_task(one.run(stop))
    for _ in range(200):  # bounded: the first run happens at once
        if runs:
            break
        await asyncio.sleep(0.01)
    stop.set()
    await running
    assert await two.tick() is True
    assert runs == ["one", "two"]


async def test_the_periodic_jobs_of_two_workers_run_on_one_of_them(
    database_url: str, clock: FrozenClock
) -> None:
    settings = Settings(
        env=Environment.TEST,
        database=DatabaseSettings(url=database_url),
        sla=SlaSettings(check_seconds=30),
    )
    workers = [build_container(settings, overrides=Overrides(clock=clock)) for _ in range(2)]
    try:
        for name in ("sla-monitor", "retention-sweep"):
            jobs = [
                task
                for worker in workers
                for task in worker.background_tasks
                if isinstance(task, PeriodicJob) and task.name == name
            ]
            assert len(jobs) == 2
            assert [await job.tick() for job in jobs] == [True, False]
    finally:
        for worker in workers:
            await worker.close()
