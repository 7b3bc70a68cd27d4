"""Use case: read one comment of a ticket's conversation."""

from __future__ import annotations

from tessera.application.comments.list_comments import ListCommentsHandler
from tessera.application.errors import CommentNotFoundError
from tessera.application.views import CommentView
from tessera.domain.access.principal import Principal


class GetCommentHandler:
    """One comment, under exactly the visibility rules of the conversation it belongs to: it
    is read through the conversation itself, so what the list hides this hides too.

    Raises TicketNotFoundError (no such ticket, or another customer's), CommentNotFoundError
    (no such comment on this ticket, or one this principal may not read, e.g. an internal note
    for a requester).
    """

    def __init__(self, *, thread: ListCommentsHandler) -> None:
        self._thread = thread

    async def __call__(
        self, ticket_id: int, comment_id: int, *, principal: Principal
    ) -> CommentView:
        # The conversation is ordered by id: the first visible comment after id - 1 is the one
        # asked for, or it is not visible here.
        found = await self._thread(ticket_id, principal=principal, after_id=comment_id - 1, limit=1)
        if not found or found[0].id != comment_id:
            raise CommentNotFoundError(comment_id)
        return found[0]
