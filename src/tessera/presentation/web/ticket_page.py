"""What the console's ticket page shows, read through the same use cases as the API, one
section at a time (each section is also a partial the page refreshes on its own)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from tessera.application.errors import TicketNotFoundError, UserNotFoundError
from tessera.application.events.cloudevents import CloudEvent
from tessera.application.people.names import actor_user_id
from tessera.application.people.views import GroupView, UserView
from tessera.application.ports.people import UserFilter
from tessera.application.queries import ListTickets, TicketSort
from tessera.application.services import Services
from tessera.application.tickets.sla_countdown import SlaClock
from tessera.application.tickets.stale_edit import StaleEdit, TicketFields
from tessera.application.views import AttachmentView, CommentView, TicketView
from tessera.domain.access.principal import Principal
from tessera.domain.people.users import UserRole
from tessera.domain.tickets.status import TRANSITIONS, Status
from tessera.domain.tickets.values import Priority
from tessera.presentation.web.ticket_wording import HistoryLine, Names, history_line

COMMENT_BATCH: Final = 200
MAX_COMMENTS: Final = 2000  # a thread longer than this is an export's job, not a page's
HISTORY_BATCH: Final = 100
MAX_HISTORY: Final = 500
PEOPLE_LIMIT: Final = 200
OTHER_TICKETS: Final = 10


@dataclass(frozen=True, slots=True, kw_only=True)
class Conversation:
    ticket: TicketView
    comments: list[CommentView]
    files: list[AttachmentView]  # attached to the ticket itself, not to a comment
    names: Names


@dataclass(frozen=True, slots=True, kw_only=True)
class Sidebar:
    ticket: TicketView
    fields: TicketFields
    statuses: list[str]  # the current one and those it may move to
    priorities: list[str]
    groups: list[GroupView]
    agents: list[UserView]
    names: Names
    requester: UserView | None
    other_tickets: list[TicketView]
    sla: tuple[SlaClock, ...]
    stale: StaleEdit | None = None
    error: str | None = None


async def conversation(services: Services, ticket_id: int, *, principal: Principal) -> Conversation:
    """Raises TicketNotFoundError (missing, or out of the agent's scope)."""
    ticket = await services.get_ticket(ticket_id, principal=principal)
    comments: list[CommentView] = []
    while len(comments) < MAX_COMMENTS:
        after = comments[-1].id if comments else 0
        batch = await services.list_comments(
            ticket_id, principal=principal, after_id=after, limit=COMMENT_BATCH
        )
        comments.extend(batch)
        if len(batch) < COMMENT_BATCH:
            break
    on_comments = {a.id for c in comments for a in c.attachments}
    every = await services.ticket_attachments(ticket_id, principal=principal)
    names = await services.user_names({c.author_id for c in comments}, principal=principal)
    return Conversation(
        ticket=ticket,
        comments=comments,
        files=[a for a in every if a.id not in on_comments],
        names=Names(users=names, groups={}),
    )


async def sidebar(
    services: Services,
    ticket: TicketView,
    *,
    principal: Principal,
    stale: StaleEdit | None = None,
    error: str | None = None,
) -> Sidebar:
    groups = await services.list_groups(principal=principal, after_id=0, limit=PEOPLE_LIMIT)
    agents = await _assignable(services, ticket, principal=principal)
    requester = await _requester(services, ticket, principal=principal)
    others = await services.list_tickets(
        ListTickets(
            customer_email=ticket.customer_email,
            sort=TicketSort.UPDATED_AT_DESC,
            limit=OTHER_TICKETS + 1,
        ),
        principal=principal,
    )
    users = {u.id: u.name for u in agents}
    if requester is not None:
        users[requester.id] = requester.name
    missing = {ticket.assignee_id} - users.keys() - {None}
    users.update(await services.user_names({i for i in missing if i}, principal=principal))
    current = Status(ticket.status)
    return Sidebar(
        ticket=ticket,
        fields=TicketFields.of(ticket),
        statuses=[s.value for s in Status if s is current or s in TRANSITIONS[current]],
        priorities=[p.value for p in Priority],
        groups=groups.items,
        agents=agents,
        names=Names(users=users, groups={g.id: g.name for g in groups.items}),
        requester=requester,
        other_tickets=[t for t in others.items if t.id != ticket.id][:OTHER_TICKETS],
        sla=await services.sla_countdown(ticket),
        stale=stale,
        error=error,
    )


async def _assignable(
    services: Services, ticket: TicketView, *, principal: Principal
) -> list[UserView]:
    """Active agents and admins; with a group, its members only (the update refuses others)."""
    if ticket.group_id is not None:
        wheres = [UserFilter(group_id=ticket.group_id, active=True)]
    else:
        wheres = [UserFilter(role=role, active=True) for role in (UserRole.AGENT, UserRole.ADMIN)]
    found: list[UserView] = []
    for where in wheres:
        page = await services.list_users(where, principal=principal, after_id=0, limit=PEOPLE_LIMIT)
        found.extend(page.items)
    return sorted(found, key=lambda u: (u.name.lower(), u.id))


async def _requester(
    services: Services, ticket: TicketView, *, principal: Principal
) -> UserView | None:
    if ticket.requester_id is None:
        return None
    try:
        return await services.get_user(ticket.requester_id, principal=principal)
    except UserNotFoundError:
        return None


async def history(services: Services, ticket_id: int, *, principal: Principal) -> list[HistoryLine]:
    """Oldest first. Raises TicketNotFoundError (missing, or out of the agent's scope)."""
    await services.get_ticket(ticket_id, principal=principal)
    events: list[CloudEvent] = []
    try:
        while len(events) < MAX_HISTORY:
            after = events[-1].sequence if events else 0
            batch = await services.ticket_history(
                ticket_id, principal=principal, after_sequence=after, limit=HISTORY_BATCH
            )
            events.extend(batch)
            if len(batch) < HISTORY_BATCH:
                break
    except TicketNotFoundError:  # a ticket with no events (imported before there were any)
        return []
    groups = await services.list_groups(principal=principal, after_id=0, limit=PEOPLE_LIMIT)
    names = Names(
        users=await services.user_names(_mentioned_users(events), principal=principal),
        groups={g.id: g.name for g in groups.items},
    )
    return [history_line(e, names) for e in events]


def _mentioned_users(events: list[CloudEvent]) -> set[int]:
    """Who acted, and who was assigned, unassigned or made a follower."""
    found = {i for e in events if (i := actor_user_id(e.actor)) is not None}
    for event in events:
        if event.type == "ticket.assigned":
            found.update(v for v in (event.data.get("old"), event.data.get("new")) if v)
        followers = event.data.get("changes", {}).get("follower_ids", {})
        for side in ("old", "new"):
            found.update(v for v in followers.get(side) or () if isinstance(v, int))
    return found
