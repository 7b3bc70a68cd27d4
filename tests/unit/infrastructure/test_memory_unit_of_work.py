"""The in-memory unit of work keeps what overlapping units committed, events included."""

from __future__ import annotations

from tessera.domain.events import TicketCreated
from tessera.infrastructure.memory.store import MemoryStore
from tessera.infrastructure.memory.unit_of_work import InMemoryUnitOfWork
from tests.support import make_ticket


async def test_two_overlapping_units_each_adding_a_ticket_keep_both_tickets_and_events() -> None:
    store = MemoryStore()
    first, second = make_ticket(title="First"), make_ticket(title="Second")
    async with InMemoryUnitOfWork(store) as outer:
        async with InMemoryUnitOfWork(store) as inner:
            await inner.tickets.add(second)
            await outer.tickets.add(first)
            await inner.commit()
        await outer.commit()

    assert {t.title for t in store.tickets.values()} == {"First", "Second"}
    created = [e for e in store.events if isinstance(e, TicketCreated)]
    assert sorted(e.ticket_id for e in created) == sorted([first.id, second.id])


async def test_an_uncommitted_unit_leaves_the_store_as_it_was() -> None:
    store = MemoryStore()
    async with InMemoryUnitOfWork(store) as uow:
        await uow.tickets.add(make_ticket())
    assert store.tickets == {}
    assert store.events == []
