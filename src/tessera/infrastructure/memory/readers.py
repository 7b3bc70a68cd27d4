"""In-memory ticket reader: the same filters, sorts and cursors as the SQL reader."""

from __future__ import annotations

import builtins
import re
from collections.abc import Callable, Sequence
from datetime import datetime

from tessera.application.queries import ListTickets, SlaView, TicketSort
from tessera.application.views import TicketPage, TicketView
from tessera.domain.access.principal import same_mailbox
from tessera.domain.tickets.ticket import Ticket
from tessera.infrastructure.memory.store import MemoryStore
from tessera.infrastructure.persistence.cursors import Cursor, decode_cursor, encode_cursor

_WORD = re.compile(r"\w+")
SortKey = Callable[[Ticket], tuple[datetime | int, int]]

# Keys that sort ascending in the wanted order (negated where the order is descending).
_KEYS: dict[TicketSort, tuple[SortKey, Callable[[Ticket], datetime | int]]] = {
    TicketSort.CREATED_AT: (lambda t: (t.created_at, t.id), lambda t: t.created_at),
    TicketSort.UPDATED_AT: (lambda t: (t.updated_at, t.id), lambda t: t.updated_at),
    TicketSort.PRIORITY: (lambda t: (-t.priority.rank, t.id), lambda t: t.priority.rank),
}


class InMemoryTicketReader:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def breach_candidates(self, *, now: datetime, limit: int) -> list[int]:
        due = [t.id for t in self._store.tickets.values() if t.breached_targets(now)]
        return sorted(due)[:limit]

    async def get(self, ticket_id: int) -> TicketView | None:
        ticket = self._store.tickets.get(ticket_id)
        return TicketView.of(ticket) if ticket else None

    async def list(self, query: ListTickets) -> TicketPage:
        cursor = decode_cursor(query.cursor, sort=query.sort) if query.cursor else None
        matching = [
            t
            for t in self._store.tickets.values()
            if _matches(t, query) and _sla_matches(t, query) and self._text_matches(t, query)
        ]
        descending = query.sort in (TicketSort.CREATED_AT_DESC, TicketSort.UPDATED_AT_DESC)
        base = TicketSort(query.sort.value.lstrip("-"))
        order, key_of = _KEYS[base]
        ordered = sorted(matching, key=order, reverse=descending)
        if cursor is not None:
            ordered = [t for t in ordered if _after(t, cursor, order, descending=descending)]
        page = ordered[: query.limit]
        next_cursor = None
        if len(ordered) > query.limit:
            last = page[-1]
            next_cursor = encode_cursor(Cursor(sort=query.sort, key=key_of(last), id=last.id))
        return TicketPage(items=[TicketView.of(t) for t in page], next_cursor=next_cursor)

    async def count(
        self, queries: Sequence[ListTickets], *, up_to: int | None = None
    ) -> builtins.list[int]:
        counts = [
            sum(
                1
                for t in self._store.tickets.values()
                if _matches(t, query) and _sla_matches(t, query) and self._text_matches(t, query)
            )
            for query in queries
        ]
        return [min(count, up_to) if up_to is not None else count for count in counts]

    def _text_matches(self, ticket: Ticket, query: ListTickets) -> bool:
        """Every word of ``q`` is a word of the title, description or a comment (the SQL
        readers also stem words; tests that must agree on both use whole words). A
        requester's search leaves internal notes out; a query without words matches
        nothing."""
        if not query.q:
            return True
        public = query.requester_email is not None
        text = " ".join(
            [ticket.title, ticket.description]
            + [
                c.body
                for c in self._store.comments.values()
                if c.ticket_id == ticket.id and (c.public or not public)
            ]
        )
        words = set(_WORD.findall(text.lower()))
        wanted = _WORD.findall(query.q.lower())
        return bool(wanted) and all(word in words for word in wanted)


def _sla_matches(ticket: Ticket, query: ListTickets) -> bool:
    if query.sla is None or query.now is None:
        return True
    due = ticket.running_due_dates()
    breached = any(d <= query.now for d in due)
    if query.sla is SlaView.BREACHED:
        return breached
    return not breached and any(d <= query.now + query.at_risk_window for d in due)


def _after(ticket: Ticket, cursor: Cursor, order: SortKey, *, descending: bool) -> bool:
    key = cursor.key
    if cursor.sort is TicketSort.PRIORITY:
        key = -int(key)  # type: ignore[arg-type]
    position = order(ticket)
    return position < (key, cursor.id) if descending else position > (key, cursor.id)


def _matches(ticket: Ticket, query: ListTickets) -> bool:
    return (
        (not query.statuses or ticket.status in query.statuses)
        and (query.priority is None or ticket.priority is query.priority)
        and (not query.unassigned or ticket.assignee_id is None)
        and (
            query.assignee_id is None or query.unassigned or ticket.assignee_id == query.assignee_id
        )
        and (
            query.customer_email is None
            or ticket.customer_email.lower() == query.customer_email.lower()
        )
        and (
            query.requester_email is None
            or same_mailbox(ticket.customer_email, query.requester_email)
            or (
                query.requester_organization_id is not None
                and ticket.organization_id == query.requester_organization_id
            )
        )
        and (
            query.group_scope is None
            or ticket.group_id in query.group_scope
            or ticket.assignee_id == query.scope_user_id
        )
        and (query.group_ids is None or ticket.group_id in query.group_ids)
        and (query.updated_after is None or ticket.updated_at > query.updated_after)
        and (query.tag is None or query.tag in ticket.tags)
    )
