"""The live feed: one reader of the event log per process, fanned out to every open stream.

Each stream used to read the log itself several times a second, so the database's load grew
with the number of open pages. Here one follower reads the log when told it grew (a
``wake``: PostgreSQL's NOTIFY, the relay in this process) or, failing that, every few
seconds, and hands each new entry to every subscriber's bounded queue.

A subscriber behind the follower (resuming from an older position) reads the log itself
until it has caught up, and so does one whose queue overflowed: it falls back to the log
instead of holding back the others or making its queue grow without bound. Both cases are
one rule: register first (entries read by the follower from then on go to the queue), then
read the log from the last position delivered; the log read covers everything the follower
had read before, and positions delivered are never delivered again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any

from tessera.application.ports.clock import Clock
from tessera.application.ports.events import EventLog, FeedEntry
from tessera.domain.events import wanted_types
from tessera.infrastructure.waiting import wait_any

logger = logging.getLogger("tessera.live")

# Runs beside the follower until ``stop``; calls ``wake`` whenever the feed may have grown.
WakeSource = Callable[[Callable[[], None], asyncio.Event], Coroutine[Any, Any, None]]


@dataclass(eq=False, slots=True)
class _Subscriber:
    types: frozenset[str]
    capacity: int
    entries: deque[FeedEntry] = field(default_factory=deque)
    # Set when an entry was dropped for want of room: the subscriber reads the log again.
    overflowed: bool = False
    ready: asyncio.Event = field(default_factory=asyncio.Event)

    def offer(self, entry: FeedEntry) -> None:
        if self.overflowed or (self.types and entry.event.type not in self.types):
            return
        if len(self.entries) >= self.capacity:
            self.overflowed = True
            self.entries.clear()  # the log has them; the memory goes back at once
        else:
            self.entries.append(entry)
        self.ready.set()


class FeedFollower:
    """A ``LiveFeed`` over an ``EventLog``; starts on the first ``follow`` and runs until
    ``close``.

    ``poll_seconds`` bounds how long a new entry can go unseen when no wake comes (the
    NOTIFY connection is down, or the event was sequenced where nothing tells this process);
    ``queue_size`` bounds each subscriber's backlog.
    """

    def __init__(
        self,
        log: EventLog,
        *,
        clock: Clock,
        poll_seconds: float = 1.5,
        batch: int = 500,
        queue_size: int = 1000,
        wake_sources: Sequence[WakeSource] = (),
    ) -> None:
        self._log = log
        self._clock = clock
        self._poll = poll_seconds
        self._batch = batch
        self._queue_size = queue_size
        self._wake_sources = tuple(wake_sources)
        self._subscribers: set[_Subscriber] = set()
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        # Done once the follower knows where the feed ends (its first read).
        self._started: asyncio.Future[None] | None = None
        # Every entry up to here has been offered to the subscribers of its time.
        self._head = 0
        self.reads = 0

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    @property
    def backlog(self) -> int:
        """Entries waiting in the subscribers' queues, all queues together."""
        return sum(len(subscriber.entries) for subscriber in self._subscribers)

    def wake(self) -> None:
        """The feed may have grown: the follower reads it now instead of at the next poll."""
        self._wake.set()

    async def follow(self, *, after: int, types: tuple[str, ...] = ()) -> AsyncIterator[FeedEntry]:
        types = wanted_types(types)  # none named: a ticket's events, as the feed
        await self._start()
        subscriber = _Subscriber(frozenset(types), self._queue_size)
        self._subscribers.add(subscriber)
        try:
            cursor = after
            behind = after < self._head
            while not self._stop.is_set():
                if behind or subscriber.overflowed:
                    # Entries the follower offers from now on reach the queue; the log read
                    # covers every one it had read before.
                    subscriber.overflowed = False
                    subscriber.entries.clear()
                    behind = False
                    async for entry in self._catch_up(cursor, types):
                        cursor = entry.position
                        yield entry
                    continue
                while subscriber.entries and not subscriber.overflowed:
                    entry = subscriber.entries.popleft()
                    if entry.position > cursor:
                        cursor = entry.position
                        yield entry
                if subscriber.overflowed:
                    continue
                subscriber.ready.clear()
                await wait_any(subscriber.ready, self._stop, seconds=3600, clock=self._clock)
        finally:
            self._subscribers.discard(subscriber)

    async def _catch_up(self, after: int, types: tuple[str, ...]) -> AsyncIterator[FeedEntry]:
        while True:
            # Shielded: a stream cancelled mid-read (its client left) lets the read finish
            # and give its connection back, rather than breaking the connection.
            page = await asyncio.shield(self._log.feed(after=after, limit=self._batch, types=types))
            for entry in page.entries:
                yield entry
            if len(page.entries) < self._batch:
                return
            after = page.next_position

    async def _start(self) -> None:
        if self._started is None:
            self._started = asyncio.get_running_loop().create_future()
            self._tasks.append(asyncio.create_task(self._follow(), name="live-feed"))
            for source in self._wake_sources:
                self._tasks.append(asyncio.create_task(source(self.wake, self._stop)))
        # Shielded: a stream that goes away while waiting leaves the follower be.
        await asyncio.shield(self._started)

    async def _follow(self) -> None:
        started = self._started
        assert started is not None
        try:
            while not self._stop.is_set():
                try:
                    self._head = await self._log.end()
                    break
                except Exception:
                    logger.exception("reading the event log's end failed; retrying")
                    await wait_any(self._stop, seconds=self._poll, clock=self._clock)
        finally:
            started.set_result(None)
        while not self._stop.is_set():
            self._wake.clear()  # a wake from now on makes the next wait return at once
            try:
                page = await self._log.feed(after=self._head, limit=self._batch, types=())
            except Exception:
                logger.exception("reading the event log for the live feed failed; retrying")
                await wait_any(self._stop, seconds=self._poll, clock=self._clock)
                continue
            self.reads += 1
            for entry in page.entries:
                for subscriber in self._subscribers:
                    subscriber.offer(entry)
            self._head = max(self._head, page.next_position)
            if len(page.entries) < self._batch:
                await wait_any(self._stop, self._wake, seconds=self._poll, clock=self._clock)

    async def close(self) -> None:
        """Stops the follower and its wake sources; every open ``follow`` ends."""
        self._stop.set()
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(task), timeout=5)
            if not task.done():
                task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._started is not None and not self._started.done():
            self._started.set_result(None)  # cancelled before its first read: nobody waits
