"""UnitOfWork contract: a commit writes the change and the events of every ticket it has seen
together; leaving without commit writes neither; overlapping units keep each other's work."""

from __future__ import annotations

from datetime import UTC, datetime

from tessera.domain.access.principal import Role
from tessera.domain.access.tokens import ApiToken
from tessera.domain.events import GroupMemberAdded, UserDeactivated
from tessera.domain.tickets.sla import SlaPolicy
from tessera.domain.tickets.ticket import Ticket, TicketChanges
from tessera.domain.tickets.values import Title
from tests.contract.conftest import Adapters
from tests.support import make_ticket

SLA = SlaPolicy()
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def token(name: str) -> ApiToken:
    return ApiToken.issue(
        user_id=1, name=name, role=Role.AGENT, email=None, token_hash=name, now=NOW
    )


async def history(adapters: Adapters, ticket: Ticket) -> list[tuple[str, int]]:
    events = await adapters.event_log.history(ticket.id, after_sequence=0, limit=100)
    return [(e.type, e.sequence) for e in events]


async def test_a_commit_writes_the_change_and_its_events_together(adapters: Adapters) -> None:
    ticket = make_ticket()
    async with adapters.uow() as uow:
        await uow.tickets.add(ticket)
        await uow.commit()
    async with adapters.uow() as uow:
        loaded = await uow.tickets.get(ticket.id)
        assert loaded is not None
        loaded.apply(TicketChanges(title=Title("Renamed")), actor="a", now=NOW, sla=SLA)
        await uow.tickets.save(loaded)
        await uow.commit()
    assert await history(adapters, ticket) == [("ticket.created", 1), ("ticket.updated", 2)]


async def test_leaving_without_commit_writes_neither_change_nor_events(
    adapters: Adapters,
) -> None:
    ticket = make_ticket()
    async with adapters.uow() as uow:
        await uow.tickets.add(ticket)
        await uow.tokens.add(token("dropped"))
    await adapters.sequence()
    assert await history(adapters, ticket) == []
    assert await adapters.event_log.end() == 0
    async with adapters.uow() as uow:
        assert await uow.tickets.get(ticket.id) is None
        assert await uow.tokens.count() == 0


async def test_an_exception_inside_the_block_rolls_back(adapters: Adapters) -> None:
    ticket = make_ticket()
    try:
        async with adapters.uow() as uow:
            await uow.tickets.add(ticket)
            raise RuntimeError("the use case failed")
    except RuntimeError:
        pass
    async with adapters.uow() as uow:
        assert await uow.tickets.get(ticket.id) is None
    assert await history(adapters, ticket) == []


async def test_events_are_written_once_even_when_a_unit_commits_twice(adapters: Adapters) -> None:
    ticket = make_ticket()
    async with adapters.uow() as uow:
        await uow.tickets.add(ticket)
        await uow.commit()
        ticket.apply(TicketChanges(title=Title("Again")), actor="a", now=NOW, sla=SLA)
        await uow.tickets.save(ticket)
        await uow.commit()
    assert await history(adapters, ticket) == [("ticket.created", 1), ("ticket.updated", 2)]
    async with adapters.uow() as uow:
        stored = await uow.tickets.get(ticket.id)
    assert stored is not None
    assert (stored.title, stored.version) == ("Again", 2)


async def test_overlapping_units_keep_each_others_tokens_tickets_and_events(
    adapters: Adapters,
) -> None:
    """The first unit begins, the second writes and commits, then the first writes and
    commits: nothing of the second is lost (neither rows nor events)."""
    first, second = make_ticket(title="First"), make_ticket(title="Second")
    async with adapters.uow() as outer:
        async with adapters.uow() as inner:
            await inner.tickets.add(second)
            await inner.tokens.add(token("inner"))
            await inner.commit()
        await outer.tickets.add(first)
        await outer.tokens.add(token("outer"))
        await outer.commit()
    async with adapters.uow() as uow:
        names = [t.name for t in await uow.tokens.list(after_id=0, limit=10)]
        titles = [t.title if t else None for t in [await uow.tickets.get(first.id)]]
    assert sorted(names) == ["inner", "outer"]
    assert titles == ["First"]
    assert await history(adapters, first) == [("ticket.created", 1)]
    assert await history(adapters, second) == [("ticket.created", 1)]


async def test_people_events_commit_with_the_change_counted_per_subject(
    adapters: Adapters,
) -> None:
    def member(group_id: int, user_id: int) -> GroupMemberAdded:
        return GroupMemberAdded(
            subject_id=group_id, actor="user:1", occurred_at=NOW, user_id=user_id
        )

    ticket = make_ticket()
    async with adapters.uow() as uow:
        uow.record(member(1, 10))
        uow.record(member(2, 10))
        await uow.tickets.add(ticket)
        await uow.commit()
    async with adapters.uow() as uow:
        uow.record(member(1, 11))
        uow.record(UserDeactivated(subject_id=1, actor="user:1", occurred_at=NOW))
        await uow.commit()
    async with adapters.uow() as uow:
        uow.record(member(1, 12))  # left without commit: never written
    await adapters.sequence()
    people = await adapters.event_log.feed(
        after=0, limit=100, types=("group.member_added", "user.deactivated")
    )
    assert [(e.event.subject, e.event.sequence, e.event.data) for e in people.entries] == [
        ("groups/1", 1, {"user_id": 10}),
        ("groups/2", 1, {"user_id": 10}),
        ("groups/1", 2, {"user_id": 11}),
        ("users/1", 1, {}),
    ]
    assert await history(adapters, ticket) == [("ticket.created", 1)]  # its own sequence
    everything = await adapters.event_log.feed(after=0, limit=100, types=())
    assert len(everything.entries) == 5
