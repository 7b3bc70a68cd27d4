"""Waiting helpers for background loops that must return promptly once asked to stop.

Every wait is measured on a ``Clock``: the system clock in production, one a test moves
by hand in tests (so a loop's pauses cost a test no real time)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from typing import TypeVar

from tessera.application.ports.clock import Clock
from tessera.infrastructure.clock import SystemClock

T = TypeVar("T")

_SYSTEM_CLOCK = SystemClock()


async def sleep_unless(
    stop: asyncio.Event, seconds: float, *, clock: Clock = _SYSTEM_CLOCK
) -> None:
    """Sleep for ``seconds`` on ``clock``, or less when ``stop`` is set meanwhile."""
    await wait_any(stop, seconds=seconds, clock=clock)


async def wait_any(*events: asyncio.Event, seconds: float, clock: Clock = _SYSTEM_CLOCK) -> None:
    """Wait until one of ``events`` is set, at most ``seconds`` on ``clock``."""
    if any(event.is_set() for event in events):
        return
    waiters: list[asyncio.Future[object]] = [
        asyncio.ensure_future(event.wait()) for event in events
    ]
    waiters.append(asyncio.ensure_future(clock.sleep(seconds)))
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
        await asyncio.gather(*waiters, return_exceptions=True)


async def unless_stopped(stop: asyncio.Event, work: Awaitable[T]) -> T | None:
    """``work``'s result, or None when ``stop`` is set first (``work`` is then cancelled):
    a loop waiting for a slow connection still stops at once."""
    task = asyncio.ensure_future(work)
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
    if task.done():
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
    return None
