"""Background loops wait on the ``Clock`` they are given: a test moves the time by hand and
no loop waits in real time for it."""

from __future__ import annotations

import asyncio

from redis.exceptions import ConnectionError as RedisConnectionError

from tessera.bootstrap.events import run_tasks
from tessera.infrastructure.cache.redis_cache import Breaker
from tessera.infrastructure.messaging.periodic import PeriodicJob
from tessera.infrastructure.waiting import sleep_unless, wait_any
from tests.support import FrozenClock

HOUR = 3600.0  # far longer than any test may take in real time


async def test_a_sleep_on_the_clock_ends_when_the_time_is_moved_past_it() -> None:
    clock, stop = FrozenClock(), asyncio.Event()
    sleeping = asyncio.create_task(sleep_unless(stop, HOUR, clock=clock))
    await clock.until_sleeping()
    clock.advance(seconds=HOUR - 1)
    await asyncio.sleep(0)
    assert not sleeping.done()
    clock.advance(seconds=1)
    await asyncio.wait_for(sleeping, timeout=5)
    assert clock.sleeping == 0


async def test_an_event_ends_the_wait_before_the_clock_does() -> None:
    clock, stop, wake = FrozenClock(), asyncio.Event(), asyncio.Event()
    waiting = asyncio.create_task(wait_any(stop, wake, seconds=HOUR, clock=clock))
    await clock.until_sleeping()
    wake.set()
    await asyncio.wait_for(waiting, timeout=5)
    assert clock.sleeping == 0  # the clock's sleep was given up, not left behind


async def test_a_periodic_job_runs_again_only_when_its_period_has_passed_on_the_clock() -> None:
    clock, stop = FrozenClock(), asyncio.Event()
    runs: list[object] = []

    async def job() -> None:
        runs.append(clock.now())

    running = asyncio.create_task(PeriodicJob("job", job, every=HOUR, clock=clock).run(stop))
    await clock.until_sleeping()
    assert len(runs) == 1  # at once
    clock.advance(seconds=HOUR / 2)
    await asyncio.sleep(0)
    assert len(runs) == 1
    clock.advance(seconds=HOUR / 2)
    await clock.until_sleeping()
    assert runs == [runs[0], clock.now()]
    stop.set()
    await asyncio.wait_for(running, timeout=5)


class _Crashing:
    name = "crashing"

    def __init__(self) -> None:
        self.starts = 0

    async def run(self, stop: asyncio.Event) -> None:
        self.starts += 1
        raise RuntimeError("boom")


async def test_a_crashed_task_is_restarted_after_a_pause_on_the_clock() -> None:
    clock, stop, task = FrozenClock(), asyncio.Event(), _Crashing()
    running = asyncio.create_task(run_tasks([task], stop, grace=5, clock=clock))
    await clock.until_sleeping()
    assert task.starts == 1
    clock.advance(seconds=1)
    await clock.until_sleeping()
    assert task.starts == 2
    stop.set()
    await asyncio.wait_for(running, timeout=5)


async def test_the_breaker_stays_open_for_its_cooldown_on_the_clock() -> None:
    clock = FrozenClock()
    breaker = Breaker(cooldown=2.0, clock=clock)

    async def failing() -> int:
        raise RedisConnectionError("down")

    async def working() -> int:
        return 1

    assert await breaker.call(failing) is None
    assert not breaker.allows
    clock.advance(seconds=1.9)
    assert await breaker.call(working) is None  # still open: Redis is not asked
    clock.advance(seconds=0.1)
    assert breaker.allows
    assert await breaker.call(working) == 1
