"""Clock port: the only source of "now" (the domain never reads the system clock), and the
only way a background loop waits, so that a test can move time instead of waiting it out."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Return once ``seconds`` have passed on this clock."""
        ...
