"""TicketReader contract: filters, sort orders and keyset pages agree across adapters."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tessera.application.tickets.queries import ListTickets, TicketSort
from tessera.domain.errors import DomainValidationError
from tessera.domain.tickets.values import Priority
from tests.contract.conftest import Adapters
from tests.support import make_ticket

PRIORITIES = [Priority.LOW, Priority.CRITICAL, Priority.MEDIUM, Priority.HIGH]


async def seed(adapters: Adapters, n: int) -> None:
    async with adapters.uow() as uow:
        for i in range(n):
            # Pairs share a creation time, so the id tie-breaker is exercised.
            ticket = make_ticket(
                priority=PRIORITIES[i % 4],
                tags=("even",) if i % 2 == 0 else (),
                customer_email=f"c{i % 3}@example.com",
            )
            ticket.created_at += timedelta(minutes=i // 2)
            ticket.updated_at = ticket.created_at + timedelta(minutes=(7 * i) % 5)
            await uow.tickets.add(ticket)
        await uow.commit()


async def walk(adapters: Adapters, query: ListTickets) -> list[int]:
    seen: list[int] = []
    cursor = None
    while True:
        page = await adapters.reader.list(ListTickets(**{**_fields(query), "cursor": cursor}))
        seen += [t.id for t in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return seen


def _fields(query: ListTickets) -> dict[str, object]:
    return {f: getattr(query, f) for f in query.__dataclass_fields__}


@pytest.mark.parametrize("sort", list(TicketSort))
async def test_every_sort_order_pages_without_gaps_or_duplicates(
    adapters: Adapters, sort: TicketSort
) -> None:
    await seed(adapters, 11)
    everything = await adapters.reader.list(ListTickets(sort=sort, limit=100))
    paged = await walk(adapters, ListTickets(sort=sort, limit=3))
    assert paged == [t.id for t in everything.items]
    assert sorted(paged) == list(range(1, 12))


async def test_orders_are_what_they_say(adapters: Adapters) -> None:
    await seed(adapters, 8)
    newest = (await adapters.reader.list(ListTickets(sort=TicketSort.CREATED_AT_DESC))).items
    assert [t.id for t in newest] == [8, 7, 6, 5, 4, 3, 2, 1]
    urgent = (await adapters.reader.list(ListTickets(sort=TicketSort.PRIORITY))).items
    assert [t.priority for t in urgent] == ["critical"] * 2 + ["high"] * 2 + ["medium"] * 2 + [
        "low"
    ] * 2
    assert [t.id for t in urgent][:2] == [2, 6]


async def test_filters(adapters: Adapters) -> None:
    await seed(adapters, 8)
    tagged = await walk(adapters, ListTickets(tag="even", sort=TicketSort.CREATED_AT))
    assert tagged == [1, 3, 5, 7]
    high = await walk(adapters, ListTickets(priority=Priority.HIGH, sort=TicketSort.CREATED_AT))
    assert high == [4, 8]
    mail = await walk(
        adapters, ListTickets(customer_email="C1@example.com", sort=TicketSort.CREATED_AT)
    )
    assert mail == [2, 5, 8]
    assert await walk(adapters, ListTickets(unassigned=True)) == list(range(8, 0, -1))


async def test_a_cursor_for_another_sort_is_refused(adapters: Adapters) -> None:
    await seed(adapters, 4)
    page = await adapters.reader.list(ListTickets(sort=TicketSort.CREATED_AT, limit=2))
    assert page.next_cursor is not None
    with pytest.raises(DomainValidationError):
        await adapters.reader.list(ListTickets(sort=TicketSort.PRIORITY, cursor=page.next_cursor))
