"""The cached read path: L1 (in process) -> L2 (Redis, optional) -> the database.

A decorator of the TicketReader port, applied in the composition root; only ``get`` is
cached (lists change with every write anywhere). Writes invalidate after commit through
``CacheInvalidator``.
"""

from __future__ import annotations

import builtins
import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

import orjson

from tessera.application.ports.tickets import TicketReader
from tessera.application.queries import ListTickets
from tessera.application.views import TicketPage, TicketView
from tessera.infrastructure.cache.local import LocalCache
from tessera.infrastructure.cache.redis_cache import TOKENS_MESSAGE, RedisTicketCache
from tessera.infrastructure.cache.stats import CacheStats

_DATES = tuple(f.name for f in dataclasses.fields(TicketView) if f.name.endswith("_at"))


def encode(view: TicketView) -> bytes:
    return orjson.dumps(view, option=orjson.OPT_UTC_Z)


def decode(payload: bytes) -> TicketView:
    fields = orjson.loads(payload)
    for name in _DATES:
        if fields[name] is not None:
            fields[name] = datetime.fromisoformat(fields[name])
    fields["tags"] = tuple(fields["tags"])
    return TicketView(**fields)


class CachedTicketReader:
    def __init__(
        self,
        inner: TicketReader,
        *,
        l1: LocalCache[int, TicketView],
        l2: RedisTicketCache | None,
        stats: CacheStats,
    ) -> None:
        self._inner = inner
        self._l1 = l1
        self._l2 = l2
        self._stats = stats

    async def get(self, ticket_id: int) -> TicketView | None:
        view = self._l1.get(ticket_id)
        self._stats.record("l1", hit=view is not None)
        if view is not None:
            return view
        local_generation = self._l1.generation(ticket_id)
        shared_stamp: str | None = None
        if self._l2 is not None:
            found = await self._l2.lookup(ticket_id)
            if found is not None:
                payload, shared_stamp = found
                self._stats.record("l2", hit=payload is not None)
                if payload is not None:
                    view = decode(payload)
                    self._l1.put_if(ticket_id, view, local_generation)
                    return view
        view = await self._inner.get(ticket_id)
        if view is None:
            return None
        self._l1.put_if(ticket_id, view, local_generation)
        if self._l2 is not None and shared_stamp is not None:
            await self._l2.put_if(ticket_id, encode(view), shared_stamp)
        return view

    async def breach_candidates(self, *, now: datetime, limit: int) -> list[int]:
        return await self._inner.breach_candidates(now=now, limit=limit)

    async def list(self, query: ListTickets) -> TicketPage:
        return await self._inner.list(query)

    async def count(
        self, queries: Sequence[ListTickets], *, up_to: int | None = None
    ) -> builtins.list[int]:
        return await self._inner.count(queries, up_to=up_to)


class Clearable(Protocol):
    def clear(self) -> None: ...


class CacheInvalidator:
    """Runs after each commit: drops the changed tickets here, in Redis, and (through the
    channel) in every other replica's L1. Token changes clear every replica's token cache."""

    def __init__(
        self,
        *,
        l1: LocalCache[int, TicketView],
        l2: RedisTicketCache | None,
    ) -> None:
        self._l1 = l1
        self._l2 = l2
        self.token_caches: list[Clearable] = []

    async def tickets_changed(self, ticket_ids: set[int]) -> None:
        for ticket_id in ticket_ids:
            self._l1.invalidate(ticket_id)
        if self._l2 is not None and ticket_ids:
            await self._l2.invalidate(ticket_ids)

    async def tokens_changed(self) -> None:
        self.drop_tokens()
        if self._l2 is not None:
            await self._l2.publish(TOKENS_MESSAGE)

    def drop_ticket(self, ticket_id: int) -> None:
        self._l1.invalidate(ticket_id)

    def drop_tokens(self) -> None:
        for cache in self.token_caches:
            cache.clear()

    def drop_everything(self) -> None:
        self._l1.clear()
        self.drop_tokens()
