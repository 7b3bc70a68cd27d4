"""Use case: reply to a ticket (public) or leave an internal note."""

from __future__ import annotations

from tessera.application.attachments.claim import attach_all, claim_uploads
from tessera.application.comments.commands import AddComment
from tessera.application.errors import ForbiddenError, TicketNotFoundError
from tessera.application.ports.clock import Clock
from tessera.application.ports.unit_of_work import UnitOfWorkFactory
from tessera.application.retry import retrying_conflicts
from tessera.application.views import CommentView
from tessera.domain.access.principal import Principal
from tessera.domain.comments.comment import Comment, parse_body
from tessera.domain.tickets.sla import SlaPolicy


class AddCommentHandler:
    """Raises TicketNotFoundError (also for a requester's view of another customer's ticket),
    ForbiddenError (a requester writing an internal note), DomainValidationError (body) and
    TicketClosedError; ``uploads`` are claimed as in ``claim_uploads``."""

    def __init__(
        self, *, uow: UnitOfWorkFactory, clock: Clock, sla: SlaPolicy, max_files: int = 10
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._sla = sla
        self._max_files = max_files

    async def __call__(self, command: AddComment, *, principal: Principal) -> CommentView:
        if not command.public and not principal.is_staff:
            raise ForbiddenError("Only agents and admins may write internal notes")
        body = parse_body(command.body)

        async def attempt() -> CommentView:
            async with self._uow() as uow:
                ticket = await uow.tickets.get(command.ticket_id)
                if ticket is None or not ticket.visible_to(principal):
                    raise TicketNotFoundError(command.ticket_id)
                now = self._clock.now()
                files = await claim_uploads(
                    uow, command.uploads, principal=principal, now=now, limit=self._max_files
                )
                comment = Comment.write(
                    ticket_id=ticket.id, author=principal, body=body, public=command.public, now=now
                )
                await uow.comments.add(comment)
                await attach_all(
                    uow, files, ticket_id=ticket.id, comment_id=comment.id, public=comment.public
                )
                ticket.add_comment(
                    comment,
                    actor=principal.actor,
                    now=now,
                    sla=self._sla,
                    attachments=tuple(f.metadata() for f in files),
                )
                await uow.tickets.save(ticket)
                await uow.commit()
                return CommentView.of(comment, files)

        return await retrying_conflicts(attempt)
