"""Comment port: the thread of a ticket, written inside a unit of work."""

from __future__ import annotations

from typing import Protocol

from tessera.domain.comments.comment import Comment


class CommentRepository(Protocol):
    async def add(self, comment: Comment) -> None:
        """Store a new comment and give it its identity (``comment.id``)."""
        ...

    async def thread(
        self, ticket_id: int, *, public_only: bool, after_id: int, limit: int
    ) -> list[Comment]:
        """The ticket's comments, oldest first, with those of tickets merged into it.

        ``public_only`` is the view of the ticket's customer: public comments only, and of a
        merged-in ticket only if it was filed for the same address (another customer's
        conversation stays with staff)."""
        ...
