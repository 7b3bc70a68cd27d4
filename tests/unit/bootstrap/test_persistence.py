"""The persistence builder: SQL adapters over one engine, each replaceable, the engine closed."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import cast

from tessera.application.ports.idempotency import IdempotencyStore
from tessera.application.ports.unit_of_work import UnitOfWork
from tessera.bootstrap.overrides import Overrides
from tessera.bootstrap.persistence import build_persistence
from tessera.bootstrap.settings import DatabaseSettings
from tessera.domain.events import StoredEvent
from tessera.infrastructure.memory.event_log import InMemoryEventLog
from tessera.infrastructure.memory.readers import InMemoryTicketReader
from tessera.infrastructure.memory.store import MemoryStore
from tessera.infrastructure.memory.unit_of_work import InMemoryUnitOfWork
from tessera.infrastructure.memory.webhooks import InMemoryWebhookStore
from tessera.infrastructure.persistence.engine import dispose_engine
from tessera.infrastructure.persistence.unit_of_work import SqlAlchemyUnitOfWork
from tests.support import FrozenClock


async def _ignore(events: list[StoredEvent]) -> None:
    return None


def _database(tmp_path: Path) -> DatabaseSettings:
    return DatabaseSettings(url=f"sqlite+aiosqlite:///{tmp_path / 'unit.db'}")


async def test_the_sql_shape_shares_one_engine_and_closes_it(tmp_path: Path) -> None:
    clock = FrozenClock()
    built = build_persistence(
        _database(tmp_path), on_commit=_ignore, clock=clock, overrides=Overrides()
    )
    assert isinstance(built.uow(), SqlAlchemyUnitOfWork)
    assert built.schema_gate in built.health_checks
    assert built.schema_gate.clock is clock  # its polls wait on the container's clock
    (close,) = built.closers
    assert isinstance(close, partial)
    assert (close.func, close.args) == (dispose_engine, (built.engine,))
    await close()


async def test_every_store_can_be_overridden(tmp_path: Path) -> None:
    store = MemoryStore()

    def uow() -> UnitOfWork:
        return InMemoryUnitOfWork(store)

    reader, log, hooks = (
        InMemoryTicketReader(store),
        InMemoryEventLog(store),
        InMemoryWebhookStore(),
    )
    idempotency = cast(IdempotencyStore, object())
    built = build_persistence(
        _database(tmp_path),
        on_commit=_ignore,
        clock=FrozenClock(),
        overrides=Overrides(
            uow=uow, ticket_reader=reader, event_log=log, webhooks=hooks, idempotency=idempotency
        ),
    )
    assert isinstance(built.uow(), InMemoryUnitOfWork)
    assert (built.reader, built.event_log, built.webhooks) == (reader, log, hooks)
    assert built.idempotency is idempotency
    await built.engine.dispose()
