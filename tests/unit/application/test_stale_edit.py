"""A stale edit on the memory adapters: refused by the version rule, then explained field by
field and applied again only when asked."""

from __future__ import annotations

import pytest

from tessera.application.errors import PreconditionFailedError
from tessera.application.tickets.commands import CreateTicket, UpdateTicket
from tessera.application.tickets.stale_edit import (
    TicketFields,
    change_between,
    stale_edit,
)
from tessera.domain.tickets.ticket import UNSET
from tests.unit.application.conftest import App
from tests.unit.application.test_sla_countdown import view_of

NEW = CreateTicket(
    title="Printer on fire",
    description="It is really on fire now.",
    customer_email="bob@example.com",
)


def test_the_change_between_two_states_names_only_the_fields_that_differ() -> None:
    seen = TicketFields(status="open", priority="medium", group_id=None, assignee_id=None)
    wanted = TicketFields(status="pending", priority="medium", group_id=None, assignee_id=7)
    command = change_between(seen, wanted, ticket_id=3, version=5)
    assert command == UpdateTicket(ticket_id=3, expected_version=5, status="pending", assignee_id=7)
    assert command.priority is UNSET
    assert command.group_id is UNSET


def test_unassigning_is_a_change_to_none_not_a_field_left_alone() -> None:
    seen = TicketFields(status="open", priority="medium", group_id=None, assignee_id=7)
    wanted = TicketFields(status="open", priority="medium", group_id=None, assignee_id=None)
    command = change_between(seen, wanted, ticket_id=3, version=5)
    assert command.assignee_id is None


async def test_a_change_made_on_an_old_version_is_refused_then_explained_and_reapplied(
    app: App,
) -> None:
    agent = await app.principal("agent")
    other = await app.principal("agent")
    ticket = await app.services.create_ticket(NEW, principal=agent)
    seen = TicketFields.of(ticket)

    theirs = await app.services.update_ticket(
        UpdateTicket(ticket_id=ticket.id, status="pending", priority="high"), principal=other
    )
    mine = change_between(
        seen,
        TicketFields(status="in_progress", priority="medium", group_id=None, assignee_id=None),
        ticket_id=ticket.id,
        version=ticket.version,
    )
    with pytest.raises(PreconditionFailedError):
        await app.services.update_ticket(mine, principal=agent)
    current = await app.services.get_ticket(ticket.id, principal=agent)
    assert (current.status, current.version) == ("pending", theirs.version)  # not overwritten

    stale = stale_edit(seen=seen, yours=mine, current=current)
    assert stale.seen_version == ticket.version
    assert [(d.name, d.seen, d.theirs, d.yours) for d in stale.diffs] == [
        ("status", "open", "pending", "in_progress"),
        ("priority", "medium", "high", UNSET),
    ]
    status, priority = stale.diffs
    assert status.in_conflict
    assert priority.changed_since
    assert not priority.in_conflict  # the editor left it alone: theirs stands
    assert stale.wanted == TicketFields(
        status="in_progress", priority="high", group_id=None, assignee_id=None
    )

    again = await app.services.update_ticket(stale.reapply, principal=agent)
    assert (again.status, again.priority) == ("in_progress", "high")
    assert again.version == current.version + 1


async def test_a_reapplied_change_is_refused_again_if_the_ticket_moved_on_once_more(
    app: App,
) -> None:
    agent = await app.principal("agent")
    ticket = await app.services.create_ticket(NEW, principal=agent)
    mine = UpdateTicket(ticket_id=ticket.id, expected_version=ticket.version, priority="low")
    await app.services.update_ticket(
        UpdateTicket(ticket_id=ticket.id, status="pending"), principal=agent
    )
    current = await app.services.get_ticket(ticket.id, principal=agent)
    stale = stale_edit(seen=TicketFields.of(ticket), yours=mine, current=current)
    await app.services.update_ticket(
        UpdateTicket(ticket_id=ticket.id, status="open"), principal=agent
    )
    with pytest.raises(PreconditionFailedError):
        await app.services.update_ticket(stale.reapply, principal=agent)


def test_a_field_both_set_to_the_same_value_is_no_conflict() -> None:
    seen = TicketFields(status="open", priority="medium", group_id=None, assignee_id=None)
    mine = UpdateTicket(ticket_id=1, expected_version=1, status="pending")
    theirs = TicketFields(status="pending", priority="medium", group_id=None, assignee_id=None)
    stale = stale_edit(seen=seen, yours=mine, current=view_of(theirs, version=2))
    [status] = stale.diffs
    assert status.changed_since
    assert not status.in_conflict
