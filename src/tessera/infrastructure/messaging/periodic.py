"""A BackgroundTask that runs a job every so often (the SLA breach detection, for one), on one
worker at a time when it is given a lease."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from tessera.application.ports.clock import Clock
from tessera.application.ports.leases import LeaseStore
from tessera.infrastructure.clock import SystemClock
from tessera.infrastructure.waiting import sleep_unless

logger = logging.getLogger("tessera.jobs")

# A holder renews its lease on every run; one that stops (or dies) is replaced after this
# many periods without a renewal.
LEASE_PERIODS = 3


@dataclass(frozen=True, slots=True, kw_only=True)
class JobLease:
    """Who this worker is (``holder``, unique per process) and where leases are kept."""

    store: LeaseStore
    holder: str
    clock: Clock


class PeriodicJob:
    def __init__(
        self,
        name: str,
        job: Callable[[], Awaitable[object]],
        *,
        every: float,
        lease: JobLease | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.name = name
        self._clock = clock or (lease.clock if lease else SystemClock())
        self._job = job
        self._every = every
        self._lease = lease

    async def run(self, stop: asyncio.Event) -> None:
        try:
            while not stop.is_set():
                try:
                    await self.tick()
                except Exception:
                    logger.exception("%s failed; it runs again in %.0f s", self.name, self._every)
                await sleep_unless(stop, self._every, clock=self._clock)
        finally:
            await self._release()

    async def tick(self) -> bool:
        """Run the job once if this worker holds (or can take) the lease; True if it ran."""
        lease = self._lease
        if lease is not None:
            ttl = timedelta(seconds=self._every * LEASE_PERIODS)
            held = await lease.store.acquire(
                self.name, holder=lease.holder, now=self._clock.now(), ttl=ttl
            )
            if not held:
                return False
        await self._job()
        return True

    async def _release(self) -> None:
        """On a clean stop the lease goes at once, so another worker need not wait it out."""
        if self._lease is None:
            return
        try:
            await self._lease.store.release(self.name, holder=self._lease.holder)
        except Exception:
            logger.warning("%s could not give up its lease", self.name, exc_info=True)
