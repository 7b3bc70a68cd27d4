"""Lease port: a named right to run, held by one holder at a time until it expires."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol


class LeaseStore(Protocol):
    """Raises ServiceUnavailableError when the store cannot be reached."""

    async def acquire(self, name: str, *, holder: str, now: datetime, ttl: timedelta) -> bool:
        """Take the lease, or renew it when ``holder`` has it, until ``now + ttl``. False while
        another holder's lease has not expired."""
        ...

    async def release(self, name: str, *, holder: str) -> None:
        """Give the lease up at once (a clean stop), if ``holder`` still has it."""
        ...
