"""One suite per port, run against every adapter: memory, SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tessera.application.ports.tickets import TicketReader
from tessera.application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from tessera.infrastructure.memory.readers import InMemoryTicketReader
from tessera.infrastructure.memory.store import MemoryStore
from tessera.infrastructure.memory.unit_of_work import InMemoryUnitOfWork
from tessera.infrastructure.persistence.engine import create_engine
from tessera.infrastructure.persistence.readers import SqlAlchemyTicketReader
from tessera.infrastructure.persistence.unit_of_work import SqlAlchemyUnitOfWork


@dataclass
class Adapters:
    uow: UnitOfWorkFactory
    reader: TicketReader


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend_url(request: pytest.FixtureRequest) -> str | None:
    """None for the in-memory adapters, else an empty migrated database."""
    if request.param == "memory":
        return None
    url: str = request.getfixturevalue(
        "postgres_url" if request.param == "postgres" else "sqlite_url"
    )
    return url


@pytest.fixture
async def adapters(backend_url: str | None) -> AsyncIterator[Adapters]:
    if backend_url is None:
        store = MemoryStore()

        def memory_uow() -> UnitOfWork:
            return InMemoryUnitOfWork(store)

        yield Adapters(uow=memory_uow, reader=InMemoryTicketReader(store))
        return
    engine = create_engine(backend_url)

    def sql_uow() -> UnitOfWork:
        return SqlAlchemyUnitOfWork(engine)

    yield Adapters(uow=sql_uow, reader=SqlAlchemyTicketReader(engine))
    await engine.dispose()


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "contract.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"
