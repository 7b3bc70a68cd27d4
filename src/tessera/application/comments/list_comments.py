"""Use case: read a ticket's conversation."""

from __future__ import annotations

from tessera.application.errors import TicketNotFoundError
from tessera.application.ports.unit_of_work import UnitOfWorkFactory
from tessera.application.views import CommentView
from tessera.domain.access.principal import Principal


class ListCommentsHandler:
    """Oldest first, including the comments of tickets merged into this one. Requesters see
    public comments of their own tickets only, and of merged-in tickets only those filed for
    the same address (SPEC §11). Raises TicketNotFoundError."""

    def __init__(self, *, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(
        self, ticket_id: int, *, principal: Principal, after_id: int, limit: int
    ) -> list[CommentView]:
        async with self._uow() as uow:
            ticket = await uow.tickets.get(ticket_id)
            if ticket is None or not ticket.visible_to(principal):
                raise TicketNotFoundError(ticket_id)
            thread = await uow.comments.thread(
                ticket_id, public_only=not principal.is_staff, after_id=after_id, limit=limit
            )
            files = await uow.attachments.of_comments([c.id for c in thread])
        # A comment the principal may read shows all its files (they follow its visibility).
        return [CommentView.of(comment, files.get(comment.id, ())) for comment in thread]
