"""Optimistic concurrency: a use case that lost a race re-runs on the fresh state."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from tessera.application.errors import ConflictError

T = TypeVar("T")

MAX_ATTEMPTS = 5


async def retrying_conflicts(
    work: Callable[[], Awaitable[T]], *, attempts: int = MAX_ATTEMPTS
) -> T:
    """Run ``work`` again after a ConflictError, at most ``attempts`` times in all, with a
    short, growing, jittered pause: the other writer (a user, or on SQLite a background loop
    holding the one write lock) is usually done within milliseconds."""
    for attempt in range(1, attempts):
        try:
            return await work()
        except ConflictError:
            await asyncio.sleep(random.uniform(0.005, 0.02) * attempt)  # noqa: S311 - jitter
    return await work()
