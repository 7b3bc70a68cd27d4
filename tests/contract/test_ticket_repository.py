"""TicketRepository and UnitOfWork contract: every adapter behaves the same."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from tessera.application.errors import ConflictError
from tessera.domain.access.mailboxes import parse_email
from tessera.domain.people.users import User, UserRole
from tessera.domain.tickets.sla import SlaPolicy
from tessera.domain.tickets.status import Status
from tessera.domain.tickets.ticket import TicketChanges
from tessera.domain.tickets.values import Title, parse_tags
from tests.contract.conftest import Adapters
from tests.support import make_ticket

SLA = SlaPolicy()


async def test_a_stored_ticket_reads_back_equal_with_aware_utc_times(adapters: Adapters) -> None:
    ticket = make_ticket(tags=("vip", "billing"))
    async with adapters.uow() as uow:
        await uow.tickets.add(ticket)
        await uow.commit()
    assert ticket.id >= 1
    async with adapters.uow() as uow:
        loaded = await uow.tickets.get(ticket.id)
    assert loaded is not None
    assert loaded.snapshot() == ticket.snapshot()
    assert loaded.created_at.tzinfo is not None
    assert loaded.created_at.utcoffset() == timedelta(0)
    assert loaded.created_at.tzinfo == UTC


async def test_missing_tickets_are_none(adapters: Adapters) -> None:
    async with adapters.uow() as uow:
        assert await uow.tickets.get(12345) is None


async def test_uncommitted_work_is_not_visible(adapters: Adapters) -> None:
    async with adapters.uow() as uow:
        await uow.tickets.add(make_ticket())
        new_id = uow.tickets.seen()[0].id
    async with adapters.uow() as uow:
        assert await uow.tickets.get(new_id) is None


async def test_two_writers_of_one_ticket_never_lose_an_update(adapters: Adapters) -> None:
    """Both load the ticket, change it and save. Optimistic adapters refuse the later save
    (ConflictError); SQLite runs units of work one after another, so the second loads the
    first's result. Either way no update is lost."""
    ticket = make_ticket()
    async with adapters.uow() as uow:
        await uow.tickets.add(ticket)
        await uow.commit()
    loaded = asyncio.Event()

    async def write(title: str, *, first: bool) -> bool:
        if not first:
            await loaded.wait()
        try:
            async with adapters.uow() as uow:
                current = await uow.tickets.get(ticket.id)
                assert current is not None
                if first:
                    loaded.set()
                    await asyncio.sleep(0.05)  # the other writer starts meanwhile
                current.apply(
                    TicketChanges(title=Title(title)), actor="a", now=current.created_at, sla=SLA
                )
                await uow.tickets.save(current)
                await uow.commit()
        except ConflictError:
            return False
        return True

    saved = await asyncio.gather(write("one", first=True), write("two", first=False))
    async with adapters.uow() as uow:
        stored = await uow.tickets.get(ticket.id)
    assert stored is not None
    assert any(saved)
    assert stored.version == 1 + sum(saved)  # each successful save counted, none lost
    if all(saved):  # serialised: the second writer worked on the first one's result
        assert stored.title == "two"
    else:  # optimistic: exactly one won, and its change is what is stored
        assert stored.title == ("one" if saved[0] else "two")


async def test_tag_changes_and_deletion_persist(adapters: Adapters) -> None:
    ticket = make_ticket(tags=("a", "b"))
    async with adapters.uow() as uow:
        await uow.tickets.add(ticket)
        await uow.commit()
    async with adapters.uow() as uow:
        loaded = await uow.tickets.get(ticket.id)
        assert loaded is not None
        loaded.apply(
            TicketChanges(tags=parse_tags(["b", "c"])), actor="a", now=loaded.created_at, sla=SLA
        )
        await uow.tickets.save(loaded)
        await uow.commit()
    async with adapters.uow() as uow:
        loaded = await uow.tickets.get(ticket.id)
        assert loaded is not None
        assert loaded.tags == {"b", "c"}
        loaded.delete(actor="a", now=loaded.created_at)
        await uow.tickets.delete(loaded)
        await uow.commit()
    async with adapters.uow() as uow:
        assert await uow.tickets.get(ticket.id) is None


async def test_find_by_status(adapters: Adapters) -> None:
    async with adapters.uow() as uow:
        for _ in range(3):
            await uow.tickets.add(make_ticket())
        await uow.commit()
    async with adapters.uow() as uow:
        loaded = await uow.tickets.get(2)
        assert loaded is not None
        loaded.apply(
            TicketChanges(status=Status.PENDING), actor="a", now=loaded.created_at, sla=SLA
        )
        await uow.tickets.save(loaded)
        await uow.commit()
    async with adapters.uow() as uow:
        assert [t.id for t in await uow.tickets.find_by_status(Status.OPEN, limit=10)] == [1, 3]
        assert [t.id for t in await uow.tickets.find_by_status(Status.PENDING, limit=10)] == [2]


async def test_overlapping_units_of_work_keep_each_others_tickets(adapters: Adapters) -> None:
    """The first unit begins, the second adds a ticket and commits, then the first adds its
    own and commits: both tickets are stored, with their own ids."""
    first, second = make_ticket(title="First"), make_ticket(title="Second")
    async with adapters.uow() as outer:
        async with adapters.uow() as inner:
            await inner.tickets.add(second)
            await inner.commit()
        await outer.tickets.add(first)
        await outer.commit()
    assert first.id != second.id
    async with adapters.uow() as uow:
        stored = [await uow.tickets.get(t.id) for t in (first, second)]
    assert [t.title if t else None for t in stored] == ["First", "Second"]


async def test_a_ticket_held_for_update_makes_the_next_writer_wait_for_the_fresh_state(
    adapters: Adapters,
) -> None:
    ticket = make_ticket()
    async with adapters.uow() as uow:
        await uow.tickets.add(ticket)
        await uow.commit()
    held = asyncio.Event()

    async def rename(title: str, *, first: bool) -> None:
        if not first:
            await held.wait()
        async with adapters.uow() as uow:
            current = (await uow.tickets.get_for_update([ticket.id, 999]))[ticket.id]
            if first:
                held.set()
                await asyncio.sleep(0.05)  # the other writer asks for the ticket meanwhile
            current.apply(
                TicketChanges(title=Title(title)), actor="a", now=current.created_at, sla=SLA
            )
            await uow.tickets.save(current)
            await uow.commit()

    await asyncio.gather(rename("one", first=True), rename("two", first=False))
    async with adapters.uow() as uow:
        stored = await uow.tickets.get(ticket.id)
        assert await uow.tickets.get_for_update([998, 999]) == {}
    assert stored is not None
    assert (stored.title, stored.version) == ("two", 3)  # both applied, in turn


async def test_followers_are_stored_changed_and_read_back(adapters: Adapters) -> None:
    ticket = make_ticket()
    users = [
        User.register(
            name=f"F{n}",
            email=parse_email(f"f{n}@example.com"),
            role=UserRole.CUSTOMER,
            now=datetime.now(UTC),
        )
        for n in range(3)
    ]
    async with adapters.uow() as uow:
        for user in users:
            await uow.users.add(user)
        ticket.follower_ids = frozenset({users[0].id, users[1].id})
        await uow.tickets.add(ticket)
        await uow.commit()
    async with adapters.uow() as uow:
        loaded = await uow.tickets.get(ticket.id)
        assert loaded is not None
        assert loaded.follower_ids == {users[0].id, users[1].id}
        loaded.follower_ids = frozenset({users[1].id, users[2].id})
        loaded.version += 1
        await uow.tickets.save(loaded)
        await uow.commit()
    async with adapters.uow() as uow:
        held = await uow.tickets.get_for_update([ticket.id])
    assert held[ticket.id].follower_ids == {users[1].id, users[2].id}
    view = await adapters.reader.get(ticket.id)
    assert view is not None
    assert view.follower_ids == tuple(sorted((users[1].id, users[2].id)))
