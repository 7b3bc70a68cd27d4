"""Presence boards: who is viewing or replying to a ticket, each entry lapsing after a TTL.

In process for the embedded shape (one server process sees every page); in Redis when
``TESSERA_REDIS_URL`` is set, so that every replica sees the same board.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import count

from tessera.application.ports.clock import Clock
from tessera.application.ports.live import Activity, Presence


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
