"""The console's view counts against every adapter: each count follows the tickets as they
are created and changed, agrees with its view's list, respects an agent's group scope and
stops at its cap; on PostgreSQL the count statement is planned for the moment it asks."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, text

from tessera.application.tickets.list_tickets import CountTicketsHandler, ListTicketsHandler
from tessera.domain.access.principal import Principal, Role
from tessera.domain.tickets.sla import SlaPolicy
from tessera.domain.tickets.status import Status
from tessera.domain.tickets.ticket import TicketChanges
from tessera.domain.tickets.values import Priority
from tessera.presentation.web.auth import PageUser
from tessera.presentation.web.views import VIEWS
from tests.contract.conftest import Adapters
from tests.support import FrozenClock, make_ticket

AGENT_ID, OTHER_AGENT_ID, GROUP, OTHER_GROUP = 7, 8, 3, 4
SLA = SlaPolicy()
START = make_ticket().created_at  # every ticket is created then


def _agent(*, scope: frozenset[int] | None = None) -> PageUser:
    principal = Principal(
        token_id=1, user_id=AGENT_ID, name="Grace", role=Role.AGENT, group_scope=scope
    )
    return PageUser(principal=principal, csrf_token="-", groups=frozenset({GROUP}))


class Console:
    """The seven counts and the seven lists, as the console asks for them."""

    def __init__(self, adapters: Adapters) -> None:
        self.adapters = adapters
        self.clock = FrozenClock(START)
        self.lister = ListTicketsHandler(reader=adapters.reader, clock=self.clock, sla=SLA)
        self.counter = CountTicketsHandler(lister=self.lister, reader=adapters.reader)

    async def counts(self, user: PageUser, *, up_to: int | None = None) -> dict[str, int]:
        counted = await self.counter(
            [view.query(user) for view in VIEWS], principal=user.principal, up_to=up_to
        )
        return {view.slug: n for view, n in zip(VIEWS, counted, strict=True)}

    async def listed(self, user: PageUser) -> dict[str, int]:
        sizes = {}
        for view in VIEWS:
            query = view.query(user)
            page = await self.lister(query, principal=user.principal)
            assert page.next_cursor is None  # a handful of tickets: one page each
            sizes[view.slug] = len(page.items)
        return sizes

    async def open(self, *, priority: Priority = Priority.MEDIUM, **fields: Any) -> int:
        ticket = make_ticket(priority=priority, now=START)
        for name, value in fields.items():
            setattr(ticket, name, value)
        async with self.adapters.uow() as uow:
            await uow.tickets.add(ticket)
            await uow.commit()
        assert ticket.id is not None
        return ticket.id

    async def change(self, ticket_id: int, **changes: Any) -> None:
        async with self.adapters.uow() as uow:
            ticket = await uow.tickets.get(ticket_id)
            assert ticket is not None
            ticket.apply(TicketChanges(**changes), actor="user:1", now=self.clock.now(), sla=SLA)
            await uow.tickets.save(ticket)
            await uow.commit()


async def _expect(console: Console, user: PageUser, expected: dict[str, int]) -> None:
    assert await console.counts(user) == expected
    assert await console.listed(user) == expected  # a count is its view's list, counted


async def test_each_count_follows_tickets_as_they_are_created_and_changed(
    adapters: Adapters,
) -> None:
    console, agent = Console(adapters), _agent()
    empty = {view.slug: 0 for view in VIEWS}
    await _expect(console, agent, empty)

    urgent = await console.open(priority=Priority.CRITICAL)  # first response due in 1 h
    mine = await console.open(assignee_id=AGENT_ID)
    grouped = await console.open(group_id=GROUP)
    waiting = await console.open(
        priority=Priority.LOW, group_id=OTHER_GROUP, assignee_id=OTHER_AGENT_ID
    )
    await console.change(waiting, status=Status.PENDING)
    done = await console.open()
    await console.change(done, status=Status.RESOLVED)

    console.clock.advance(minutes=30)
    await _expect(
        console,
        agent,
        {
            "mine": 1,
            "unassigned": 2,  # urgent, grouped
            "my-groups": 1,
            "sla-at-risk": 1,  # urgent: its first response falls due within the hour
            "breached": 0,
            "all-open": 4,
            "recent": 5,
        },
    )

    console.clock.advance(minutes=45)  # urgent's first response is now 15 minutes late
    await console.change(urgent, assignee_id=AGENT_ID)
    await console.change(grouped, group_id=OTHER_GROUP)
    await console.change(mine, status=Status.RESOLVED)
    await _expect(
        console,
        agent,
        {
            "mine": 1,  # urgent (mine was resolved)
            "unassigned": 1,  # grouped
            "my-groups": 0,
            "sla-at-risk": 0,
            "breached": 1,
            "all-open": 3,
            "recent": 5,
        },
    )

    await console.change(done, status=Status.OPEN)  # reopened
    console.clock.advance(hours=30)  # nothing has changed for more than a day
    counts = await console.counts(agent)
    assert counts["all-open"] == 4
    assert counts["unassigned"] == 2
    assert counts["recent"] == 0
    assert counts == await console.listed(agent)


async def test_an_agent_scoped_to_groups_counts_only_what_they_may_see(
    adapters: Adapters,
) -> None:
    console = Console(adapters)
    await console.open(priority=Priority.CRITICAL)  # no group: hidden from the scoped agent
    await console.open(assignee_id=AGENT_ID)  # theirs, whatever its group
    await console.open(group_id=GROUP, priority=Priority.CRITICAL)
    await console.open(group_id=OTHER_GROUP)
    await console.open(group_id=OTHER_GROUP, assignee_id=OTHER_AGENT_ID)
    console.clock.advance(minutes=30)

    scoped = _agent(scope=frozenset({GROUP}))
    await _expect(
        console,
        scoped,
        {
            "mine": 1,
            "unassigned": 1,
            "my-groups": 1,
            "sla-at-risk": 1,
            "breached": 0,
            "all-open": 2,
            "recent": 2,
        },
    )
    everyone = await console.counts(_agent())
    assert everyone["all-open"] == 5
    assert everyone["sla-at-risk"] == 2


async def test_a_count_stops_at_its_cap_and_repeats_the_same_answer(adapters: Adapters) -> None:
    console, agent = Console(adapters), _agent()
    for _ in range(4):
        await console.open()
    await console.open(assignee_id=AGENT_ID)

    capped = await console.counts(agent, up_to=3)
    assert capped["all-open"] == 3
    assert capped["recent"] == 3
    assert capped["mine"] == 1
    # Past the fifth run PostgreSQL may plan a prepared statement once for all values: the
    # answer is the same on every run.
    for _ in range(8):
        assert await console.counts(agent, up_to=3) == capped


@pytest.mark.postgres
@pytest.mark.parametrize("backend_url", ["postgres"], indirect=True)
async def test_on_postgresql_the_counts_are_planned_for_their_values_without_leaking_it(
    adapters: Adapters,
) -> None:
    assert adapters.engine is not None
    console, agent = Console(adapters), _agent()
    await console.open()
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(" ".join(statement.split()))

    event.listen(adapters.engine.sync_engine, "before_cursor_execute", record)
    try:
        for _ in range(7):
            assert (await console.counts(agent))["all-open"] == 1
    finally:
        event.remove(adapters.engine.sync_engine, "before_cursor_execute", record)

    counting = [n for n, statement in enumerate(sent) if "count_0" in statement]
    assert len(counting) == 7
    for n in counting:
        assert sent[n - 1] == "SET LOCAL plan_cache_mode = force_custom_plan"
    async with adapters.engine.connect() as conn:  # the pool's one connection, reused
        assert await conn.scalar(text("SHOW plan_cache_mode")) == "auto"
