"""Optimistic concurrency: a use case that lost a race re-runs on the fresh state."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from tessera.application.errors import ConflictError

T = TypeVar("T")

MAX_ATTEMPTS = 3


async def retrying_conflicts(
    work: Callable[[], Awaitable[T]], *, attempts: int = MAX_ATTEMPTS
) -> T:
    """Run ``work`` again after a ConflictError, at most ``attempts`` times in all."""
    for _ in range(attempts - 1):
        try:
            return await work()
        except ConflictError:
            continue
    return await work()
