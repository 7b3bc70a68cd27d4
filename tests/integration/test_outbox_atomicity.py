"""The unit of work commits a change and its events together, or neither."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.domain.tickets.sla import SlaPolicy
from tessera.domain.tickets.status import Status
from tessera.domain.tickets.ticket import TicketChanges
from tessera.infrastructure.persistence.tables import outbox, tickets
from tessera.infrastructure.persistence.unit_of_work import SqlAlchemyUnitOfWork
from tests.support import make_ticket


async def count(engine: AsyncEngine, table: object) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(table)) or 0)  # type: ignore[arg-type]


async def test_a_committed_change_writes_its_events_in_order(engine: AsyncEngine) -> None:
    ticket = make_ticket()
    async with SqlAlchemyUnitOfWork(engine) as uow:
        await uow.tickets.add(ticket)
        await uow.commit()
    async with SqlAlchemyUnitOfWork(engine) as uow:
        loaded = await uow.tickets.get(ticket.id)
        assert loaded is not None
        loaded.apply(
            TicketChanges(status=Status.RESOLVED), actor="a", now=loaded.created_at, sla=SlaPolicy()
        )
        await uow.tickets.save(loaded)
        await uow.commit()
    async with engine.connect() as conn:
        rows = (await conn.execute(select(outbox).order_by(outbox.c.id))).mappings().all()
    assert [(r["event_type"], r["sequence"], r["ticket_id"]) for r in rows] == [
        ("ticket.created", 1, ticket.id),
        ("ticket.status_changed", 2, ticket.id),
    ]
    assert rows[1]["data"] == {"old": "open", "new": "resolved"}
    assert rows[0]["data"]["ticket"]["id"] == ticket.id != 0
    assert all(r["published_at"] is None for r in rows)


async def test_leaving_without_commit_writes_neither_change_nor_event(engine: AsyncEngine) -> None:
    async with SqlAlchemyUnitOfWork(engine) as uow:
        await uow.tickets.add(make_ticket())
    assert await count(engine, tickets) == 0
    assert await count(engine, outbox) == 0


async def test_a_failure_in_the_outbox_write_rolls_back_the_change(engine: AsyncEngine) -> None:
    first = make_ticket()
    async with SqlAlchemyUnitOfWork(engine) as uow:
        await uow.tickets.add(first)
        await uow.commit()
    [stored] = await _event_ids(engine)
    second = make_ticket(title="Second")
    # Forge a clash with an event id already in the outbox: the insert fails at commit time.
    second._events[0] = type(second._events[0])(
        **{
            **{
                f: getattr(second._events[0], f)
                for f in ("ticket_id", "sequence", "actor", "occurred_at", "snapshot")
            },
            "event_id": stored,
        }
    )
    async with SqlAlchemyUnitOfWork(engine) as uow:
        await uow.tickets.add(second)
        with pytest.raises(IntegrityError):
            await uow.commit()
    assert await count(engine, tickets) == 1
    assert await count(engine, outbox) == 1


async def _event_ids(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return list(await conn.scalars(select(outbox.c.event_id)))
