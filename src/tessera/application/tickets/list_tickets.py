"""Use case: list tickets with filters, a sort order and keyset pagination."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from tessera.application.ports.clock import Clock
from tessera.application.ports.tickets import TicketReader
from tessera.application.queries import ListTickets
from tessera.application.views import TicketPage
from tessera.domain.access.mailboxes import parse_email
from tessera.domain.access.principal import Principal, same_mailbox
from tessera.domain.tickets.sla import SlaPolicy


class ListTicketsHandler:
    """Staff see every ticket; a requester's list is always narrowed to exactly their own
    address, and their full-text search to what they may read (no internal notes).

    Raises DomainValidationError for a malformed ``customer_email`` filter or a bad cursor.
    """

    def __init__(self, *, reader: TicketReader, clock: Clock, sla: SlaPolicy) -> None:
        self._reader = reader
        self._clock = clock
        self._sla = sla

    async def __call__(self, query: ListTickets, *, principal: Principal) -> TicketPage:
        narrowed = self.narrowed(query, principal)
        if narrowed is None:
            return TicketPage(items=[], next_cursor=None)
        return await self._reader.list(narrowed)

    def narrowed(self, query: ListTickets, principal: Principal) -> ListTickets | None:
        """The query as this principal may ask it; None when it can match nothing."""
        email = parse_email(query.customer_email) if query.customer_email is not None else None
        requester_email = None
        if not principal.is_staff:
            if email is not None and not same_mailbox(email, principal.email):
                return None
            if principal.email is None:
                return None
            email, requester_email = None, principal.email
        q = query.q.strip() if query.q else None
        now = self._clock.now()
        within = query.updated_within
        return dataclasses.replace(
            query,
            customer_email=email,
            requester_email=requester_email,
            requester_organization_id=principal.shared_organization_id,
            group_scope=principal.group_scope,
            scope_user_id=principal.user_id if principal.group_scope is not None else None,
            q=q or None,
            now=now,
            at_risk_window=self._sla.at_risk,
            updated_after=now - within if within is not None else query.updated_after,
        )


class CountTicketsHandler:
    """How many tickets each query matches, narrowed exactly as the list is (one reader
    call for them all: the console's view counts cost one round trip).

    Raises DomainValidationError for a malformed ``customer_email`` filter."""

    def __init__(self, *, lister: ListTicketsHandler, reader: TicketReader) -> None:
        self._lister = lister
        self._reader = reader

    async def __call__(
        self, queries: Sequence[ListTickets], *, principal: Principal, up_to: int | None = None
    ) -> list[int]:
        """With ``up_to``: each count stops there (see TicketReader.count)."""
        narrowed = [self._lister.narrowed(query, principal) for query in queries]
        asked = [query for query in narrowed if query is not None]
        counts = iter(await self._reader.count(asked, up_to=up_to) if asked else [])
        return [next(counts) if query is not None else 0 for query in narrowed]
