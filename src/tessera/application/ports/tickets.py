"""Ticket ports: the write-side repository and the read-side reader."""

from __future__ import annotations

import builtins
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Protocol

from tessera.application.queries import ListTickets
from tessera.application.views import TicketPage, TicketView
from tessera.domain.tickets.status import Status
from tessera.domain.tickets.ticket import Ticket


class TicketRepository(Protocol):
    """Loads and stores Ticket aggregates inside one unit of work.

    ``save`` and ``delete`` are optimistic: they raise ConflictError when the stored version is
    no longer the one that was loaded.
    """

    async def get(self, ticket_id: int) -> Ticket | None: ...

    async def get_for_update(self, ticket_ids: Collection[int]) -> dict[int, Ticket]:
        """Load these tickets and hold them until the unit of work ends: a concurrent writer of
        any of them waits its turn and then loads the fresh state, instead of losing the race.

        The rows are taken in ascending id order in one statement, so that units of work over
        overlapping tickets queue rather than deadlock. Ids that do not exist are left out.
        """
        ...

    async def find_by_status(self, status: Status, *, limit: int) -> list[Ticket]: ...

    async def add(self, ticket: Ticket) -> None:
        """Store a new ticket and give it its identity (``ticket.id``)."""
        ...

    async def save(self, ticket: Ticket) -> None: ...

    async def delete(self, ticket: Ticket) -> None: ...

    def seen(self) -> list[Ticket]:
        """Every ticket loaded or added in this unit of work (its events are collected)."""
        ...


class TicketReader(Protocol):
    """Answers list queries straight into views, with keyset pagination.

    Raises DomainValidationError for a cursor it did not issue.
    """

    async def breach_candidates(self, *, now: datetime, limit: int) -> list[int]:
        """Ids of running tickets with a target past due and not yet recorded as breached."""
        ...

    async def get(self, ticket_id: int) -> TicketView | None:
        """One ticket as a view (the read path a cache can sit in front of)."""
        ...

    async def list(self, query: ListTickets) -> TicketPage: ...

    async def count(
        self, queries: Sequence[ListTickets], *, up_to: int | None = None
    ) -> builtins.list[int]:
        """How many tickets match each query (its filters; sort, limit and cursor aside), all
        in one round trip; with ``up_to``, counting stops there (a count of ``up_to`` means
        "at least that many"), so a large view costs no more than a small one."""
        ...
