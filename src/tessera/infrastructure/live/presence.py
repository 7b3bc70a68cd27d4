"""Presence boards: who is viewing or replying to a ticket, each entry lapsing after a TTL.

In process for the embedded shape (one server process sees every page); in Redis when
``TESSERA_REDIS_URL`` is set, so that every replica sees the same board.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import count
from typing import TypeVar

import orjson
from redis.asyncio import Redis
from redis.exceptions import RedisError

from tessera.application.ports.clock import Clock
from tessera.application.ports.live import Activity, Presence

logger = logging.getLogger("tessera.live")

T = TypeVar("T")


@dataclass(slots=True)
class _Entry:
    arrival: int
    name: str
    activity: Activity
    expires: datetime


class InProcessPresenceBoard:
    """A ``PresenceBoard`` in this process's memory, timed by ``clock``.

    Lapsed entries are dropped as their ticket is next touched, and every ticket's once per
    TTL, so the board holds no more than the pages announced within about two TTLs.
    """

    def __init__(self, *, clock: Clock, ttl_seconds: float) -> None:
        self._clock = clock
        self._ttl = timedelta(seconds=ttl_seconds)
        self._tickets: dict[int, dict[int, _Entry]] = {}
        self._arrivals = count(1)
        self._swept = clock.now()

    async def announce(
        self, ticket_id: int, *, user_id: int, name: str, activity: Activity
    ) -> None:
        now = self._clock.now()
        self._sweep(now)
        board = self._live(ticket_id, now)
        known = board.get(user_id)
        arrival = known.arrival if known is not None else next(self._arrivals)
        board[user_id] = _Entry(arrival, name, activity, now + self._ttl)
        self._tickets[ticket_id] = board

    async def leave(self, ticket_id: int, *, user_id: int) -> None:
        board = self._tickets.get(ticket_id)
        if board is not None:
            board.pop(user_id, None)
            if not board:
                del self._tickets[ticket_id]

    async def present(self, ticket_id: int) -> list[Presence]:
        board = self._live(ticket_id, self._clock.now())
        if not board:
            self._tickets.pop(ticket_id, None)
        entries = sorted(board.items(), key=lambda item: item[1].arrival)
        return [Presence(user_id, entry.name, entry.activity) for user_id, entry in entries]

    def _live(self, ticket_id: int, now: datetime) -> dict[int, _Entry]:
        board = self._tickets.get(ticket_id, {})
        for user_id in [u for u, entry in board.items() if entry.expires <= now]:
            del board[user_id]
        return board

    def _sweep(self, now: datetime) -> None:
        if now - self._swept < self._ttl:
            return
        self._swept = now
        for ticket_id in list(self._tickets):
            if not self._live(ticket_id, now):
                del self._tickets[ticket_id]


# KEYS: expiry (zset: user -> expiry ms), arrival (zset: user -> arrival number), who (hash:
# user -> JSON name and activity), counter (arrival numbers). ARGV: now ms, key TTL ms, then
# for an announce: user, expiry ms, JSON. Lapsed entries go first, so a user who returns
# after lapsing arrives anew.
_PURGE = """
local lapsed = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
for _, user in ipairs(lapsed) do
    redis.call('ZREM', KEYS[1], user)
    redis.call('ZREM', KEYS[2], user)
    redis.call('HDEL', KEYS[3], user)
end
"""
_ANNOUNCE = (
    _PURGE
    + """
if redis.call('ZSCORE', KEYS[2], ARGV[3]) == false then
    redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[4]), ARGV[3])
end
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3])
redis.call('HSET', KEYS[3], ARGV[3], ARGV[5])
for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
return 1
"""
)
_PRESENT = (
    _PURGE
    + """
local users = redis.call('ZRANGE', KEYS[2], 0, -1)
local result = {}
for _, user in ipairs(users) do
    local who = redis.call('HGET', KEYS[3], user)
    if who then
        table.insert(result, user)
        table.insert(result, who)
    end
end
return result
"""
)


class RedisPresenceBoard:
    """A ``PresenceBoard`` in Redis, shared by every replica: per ticket, a sorted set of
    expiry times, one of arrival order and a hash of names, changed together by a script.
    Time comes from ``clock`` (every replica's clock, as for the SLA); the keys themselves
    expire once nobody renewed any entry for a TTL, so a forgotten ticket costs nothing.

    Presence is a courtesy: while Redis fails, announcing does nothing and the board reads
    empty, and the page around it still works.
    """

    def __init__(
        self, client: Redis, *, clock: Clock, ttl_seconds: float, namespace: str = "tessera"
    ) -> None:
        self._client = client
        self._clock = clock
        self._ttl_ms = max(1, int(ttl_seconds * 1000))
        self._namespace = namespace
        self._announce = client.register_script(_ANNOUNCE)
        self._present = client.register_script(_PRESENT)
        self._failing = False

    def _keys(self, ticket_id: int) -> list[str]:
        # One hash tag per ticket: a Redis cluster keeps a ticket's keys on one node.
        base = f"{self._namespace}:presence:{{{ticket_id}}}"
        return [f"{base}:expiry", f"{base}:arrival", f"{base}:who", f"{base}:arrivals"]

    def _now_ms(self) -> int:
        return int(self._clock.now().timestamp() * 1000)

    async def announce(
        self, ticket_id: int, *, user_id: int, name: str, activity: Activity
    ) -> None:
        now = self._now_ms()
        who = orjson.dumps({"name": name, "activity": activity}).decode()
        args: list[str | int] = [now, self._ttl_ms * 2, user_id, now + self._ttl_ms, who]
        await self._guarded(self._announce(keys=self._keys(ticket_id), args=args))

    async def leave(self, ticket_id: int, *, user_id: int) -> None:
        expiry, arrival, who, _ = self._keys(ticket_id)

        async def remove() -> None:
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.zrem(expiry, user_id)
                pipe.zrem(arrival, user_id)
                pipe.hdel(who, str(user_id))
                await pipe.execute()

        await self._guarded(remove())

    async def present(self, ticket_id: int) -> list[Presence]:
        args = [self._now_ms(), self._ttl_ms * 2]
        found = await self._guarded(self._present(keys=self._keys(ticket_id), args=args))
        if not found:
            return []
        items = list(found)
        board = []
        for user, who in zip(items[::2], items[1::2], strict=True):
            entry = orjson.loads(who)
            board.append(Presence(int(user), str(entry["name"]), entry["activity"]))
        return board

    async def _guarded(self, operation: Awaitable[T]) -> T | None:
        try:
            result = await operation
        except RedisError as error:
            if not self._failing:
                logger.warning("presence: Redis failed, the board reads empty: %s", error)
                self._failing = True
            return None
        if self._failing:
            logger.warning("presence: Redis works again")
            self._failing = False
        return result
