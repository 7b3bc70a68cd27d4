"""The loop that processes what the intakes kept: each waiting message once, on whichever
worker leases it first."""

from __future__ import annotations

import asyncio
import logging

from tessera.application.mail.receive_mail import ProcessMailHandler
from tessera.infrastructure.mail_intake.state import record_outcome
from tessera.infrastructure.waiting import wait_any

logger = logging.getLogger("tessera.mail")


class MailProcessor:
    name = "mail-processor"

    def __init__(
        self,
        process: ProcessMailHandler,
        *,
        holder: str,
        wake: asyncio.Event,
        poll_seconds: float = 5.0,
        batch: int = 20,
    ) -> None:
        self._process = process
        self._holder = holder
        self._wake = wake
        self._poll = poll_seconds
        self._batch = batch

    async def drain(self) -> int:
        """Process until nothing waits; how many this worker processed."""
        total = 0
        while True:
            drained = await self._process(holder=self._holder, limit=self._batch)
            for outcome in drained.outcomes:
                record_outcome(outcome.value)
            total += drained.processed
            if drained.processed == 0:
                return total

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self._wake.clear()
            try:
                await self.drain()
            except Exception:
                logger.exception("processing inbound mail failed; trying again")
            await wait_any(self._wake, stop, seconds=self._poll)
