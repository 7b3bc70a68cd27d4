"""The schema gate: what needs the database's tables waits until the schema is at head.

A staging or production server may start before ``tessera db upgrade`` has run (SPEC §7,
§11). Until the schema reaches this code's head the gate stays closed: the API answers 503
``schema_out_of_date`` and nothing that reads or writes the tables runs. The gate then opens
once, by itself, and the server becomes whole: the first admin token, the cache
invalidation subscriber, the relay, the consumers and the periodic jobs all start then.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.application.ports.clock import Clock
from tessera.application.ports.health import CheckResult, Health
from tessera.infrastructure.persistence.schema import schema_state
from tessera.infrastructure.waiting import sleep_unless

logger = logging.getLogger("tessera")


class SchemaGate:
    """Closed until ``open`` is called (once the schema is at head); never closes again.

    Also a readiness check (``startup``), so that ``/readyz`` never says ok while the API
    would still answer 503.
    """

    def __init__(self, engine: AsyncEngine, *, interval: float, clock: Clock) -> None:
        self._engine = engine
        self.interval = interval
        self.clock = clock
        self._opened = asyncio.Event()

    def is_open(self) -> bool:
        return self._opened.is_set()

    def open(self) -> None:
        self._opened.set()

    async def at_head(self) -> bool:
        """One look at the schema; raises when the database cannot be reached."""
        return (await schema_state(self._engine)).at_head

    async def wait_for_head(self, stop: asyncio.Event) -> bool:
        """Look every ``interval`` seconds until the schema is at head (True), or until
        ``stop`` is set (False). A failed look is logged when it first happens."""
        last_problem = ""
        while not stop.is_set():
            try:
                if await self.at_head():
                    return True
            except Exception as error:  # noqa: BLE001 - keep waiting; the cause is logged
                problem = f"{type(error).__name__}: {error}"
                if problem != last_problem:
                    logger.warning("waiting for the database schema: %s", problem)
                last_problem = problem
            await sleep_unless(stop, self.interval, clock=self.clock)
        return False

    async def check(self) -> CheckResult:
        if self.is_open():
            return CheckResult("startup", Health.OK)
        return CheckResult("startup", Health.FAILED, "starting")
