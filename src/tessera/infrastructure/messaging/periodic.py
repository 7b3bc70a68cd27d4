"""A BackgroundTask that runs a job every so often (the SLA breach detection, for one)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from tessera.infrastructure.messaging.waiting import sleep_unless

logger = logging.getLogger("tessera.jobs")


class PeriodicJob:
    def __init__(self, name: str, job: Callable[[], Awaitable[object]], *, every: float) -> None:
        self.name = name
        self._job = job
        self._every = every

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self._job()
            except Exception:
                logger.exception("%s failed; it runs again in %.0f s", self.name, self._every)
            await sleep_unless(stop, self._every)
