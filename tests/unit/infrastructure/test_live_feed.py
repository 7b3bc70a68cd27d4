"""The feed follower's fan-out over a log in memory, on a clock the test moves by hand."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from tessera.application.events.cloudevents import CloudEvent
from tessera.application.ports.events import FeedEntry, FeedPage
from tessera.infrastructure.live.feed import FeedFollower
from tests.support import FrozenClock

POLL = 1.5


class FakeLog:
    """An EventLog of entries appended by the test; counts its reads, and can hold the reads
    that start from one position until released."""

    def __init__(self) -> None:
        self.entries: list[FeedEntry] = []
        self.reads = 0
        self.failing: Exception | None = None
        self.failed = asyncio.Event()
        self.held_after: int | None = None
        self.held = asyncio.Event()
        self.release = asyncio.Event()

    def append(self, *types: str) -> None:
        for kind in types:
            position = len(self.entries) + 1
            event = CloudEvent(
                id=f"e{position}",
                type=kind,
                source="/tessera",
                subject="1",
                time=datetime(2026, 3, 2, tzinfo=UTC),
                sequence=position,
                actor="token:1",
                data={},
            )
            self.entries.append(FeedEntry(position, event))

    async def history(self, ticket_id: int, *, after_sequence: int, limit: int) -> list[CloudEvent]:
        raise NotImplementedError

    async def feed(self, *, after: int, limit: int, types: tuple[str, ...]) -> FeedPage:
        self.reads += 1
        if self.failing is not None:
            self.failed.set()
            raise self.failing
        if after == self.held_after:
            self.held.set()
            await self.release.wait()
        entries = [
            e for e in self.entries if e.position > after and (not types or e.event.type in types)
        ][:limit]
        caught_up = len(entries) < limit
        next_position = max(after, len(self.entries)) if caught_up else entries[-1].position
        return FeedPage(entries=entries, next_position=next_position)

    async def end(self) -> int:
        return len(self.entries)


def _updates(count: int) -> tuple[str, ...]:
    return ("ticket.updated",) * count


async def _take(entries: AsyncIterator[FeedEntry], count: int) -> list[int]:
    async with asyncio.timeout(5):
        return [(await anext(entries)).position for _ in range(count)]


async def _nothing_within(entries: AsyncIterator[FeedEntry], seconds: float = 0.05) -> bool:
    waiting = asyncio.ensure_future(anext(entries))
    await asyncio.sleep(seconds)  # a bounded look: nothing may arrive meanwhile
    if waiting.done():
        return False
    waiting.cancel()
    return True


@pytest.fixture
def log() -> FakeLog:
    return FakeLog()


@pytest.fixture
async def follower(log: FakeLog, clock: FrozenClock) -> AsyncIterator[FeedFollower]:
    follower = FeedFollower(log, clock=clock, poll_seconds=POLL, queue_size=3)
    yield follower
    await follower.close()


async def test_a_subscriber_behind_catches_up_in_one_read_then_follows_live(
    log: FakeLog, follower: FeedFollower, clock: FrozenClock
) -> None:
    log.append(*_updates(5))
    first = aiter(follower.follow(after=5))
    pending = asyncio.ensure_future(anext(first))  # starts the follower at position 5
    await clock.until_sleeping(2)  # the follower and the first stream wait
    reads = log.reads

    late = aiter(follower.follow(after=2))
    assert await _take(late, 3) == [3, 4, 5]
    assert log.reads == reads + 1  # one read of the log, not one per entry

    log.append(*_updates(2))
    follower.wake()
    assert await _take(late, 2) == [6, 7]
    assert (await pending).position == 6
    assert await _take(first, 1) == [7]


async def test_entries_landing_during_the_catch_up_come_once_and_in_order(
    log: FakeLog, follower: FeedFollower, clock: FrozenClock
) -> None:
    log.append(*_updates(3))
    live = aiter(follower.follow(after=3))
    pending = asyncio.ensure_future(anext(live))
    await clock.until_sleeping(2)  # the follower is at 3

    log.held_after = 0  # the late subscriber's catch-up read waits...
    late = aiter(follower.follow(after=0))
    catching_up = asyncio.ensure_future(_take(late, 6))
    async with asyncio.timeout(5):
        await log.held.wait()
    log.append(*_updates(2))  # ...while 4 and 5 land and the follower hands them out
    follower.wake()
    assert (await pending).position == 4
    assert await _take(live, 1) == [5]
    log.release.set()  # the catch-up read now sees 1..5, and 4 and 5 are queued as well
    log.append("ticket.updated")
    follower.wake()
    assert await catching_up == [1, 2, 3, 4, 5, 6]
    assert await _nothing_within(late)


async def test_a_slow_subscriber_neither_holds_back_the_others_nor_piles_up_entries(
    log: FakeLog, follower: FeedFollower, clock: FrozenClock
) -> None:
    fast = aiter(follower.follow(after=0))
    slow = aiter(follower.follow(after=0))
    first = asyncio.ensure_future(anext(fast))
    waiting = asyncio.ensure_future(anext(slow))
    await clock.until_sleeping(3)
    log.append("ticket.updated")
    follower.wake()
    assert (await first).position == 1
    assert (await waiting).position == 1

    for step in range(4):  # the slow one reads nothing meanwhile
        log.append(*_updates(2))
        follower.wake()
        assert await _take(fast, 2) == [2 + 2 * step, 3 + 2 * step]
        assert follower.backlog <= 3  # a queue never holds more than its size
    reads = log.reads

    # It fell behind by more than its queue holds: it reads the rest from the log, once.
    assert await _take(slow, 8) == list(range(2, 10))
    assert log.reads == reads + 1
    log.append("ticket.updated")
    follower.wake()
    assert await _take(slow, 1) == [10]
    assert await _take(fast, 1) == [10]


async def test_without_a_wake_new_entries_come_with_the_next_poll_and_idle_streams_cost_nothing(
    log: FakeLog, follower: FeedFollower, clock: FrozenClock
) -> None:
    streams = [aiter(follower.follow(after=0)) for _ in range(50)]
    waiting = [asyncio.ensure_future(anext(stream)) for stream in streams]
    await clock.until_sleeping(51)  # every stream and the follower wait
    reads = log.reads
    for _ in range(10):
        clock.advance(seconds=POLL)
        await clock.until_sleeping(51)
    assert log.reads == reads + 10  # one read per poll, whatever the number of streams

    log.append("ticket.created")
    await asyncio.sleep(0.05)
    assert not any(w.done() for w in waiting)  # no wake: it waits for the poll
    clock.advance(seconds=POLL)
    assert [(await w).position for w in waiting] == [1] * 50


async def test_types_keep_only_those_events_also_while_catching_up(
    log: FakeLog, follower: FeedFollower
) -> None:
    log.append("ticket.created", "ticket.updated", "comment.added")
    created = aiter(follower.follow(after=0, types=("ticket.created", "comment.added")))
    assert await _take(created, 2) == [1, 3]
    log.append("ticket.updated", "ticket.created")
    follower.wake()
    assert await _take(created, 1) == [5]


async def test_a_failed_read_is_tried_again_at_the_next_poll(
    log: FakeLog, follower: FeedFollower, clock: FrozenClock
) -> None:
    stream = aiter(follower.follow(after=0))
    waiting = asyncio.ensure_future(anext(stream))
    await clock.until_sleeping(2)
    log.failing = ConnectionError("database gone")
    log.append("ticket.created")
    follower.wake()
    async with asyncio.timeout(5):
        await log.failed.wait()
    await clock.until_sleeping(2)  # it failed, and waits out the poll
    log.failing = None
    clock.advance(seconds=POLL)
    assert (await waiting).position == 1


async def test_closing_ends_every_open_follow_and_the_follower(
    follower: FeedFollower, clock: FrozenClock
) -> None:
    streams = [aiter(follower.follow(after=0)) for _ in range(3)]
    waiting = [asyncio.ensure_future(anext(stream)) for stream in streams]
    await clock.until_sleeping(4)
    assert follower.subscribers == 3
    await follower.close()
    for pending in waiting:
        with pytest.raises(StopAsyncIteration):
            await pending
    assert follower.subscribers == 0
    later = aiter(follower.follow(after=0))
    with pytest.raises(StopAsyncIteration):
        await anext(later)
