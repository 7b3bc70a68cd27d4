"""What the portal's pages show, read through the same use cases as the API with the
customer's own principal: public comments only (the use cases leave internal notes, and
their files, out for a requester), and the files a form sent, uploaded as the API's
``POST /v1/uploads`` would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Final

from starlette.datastructures import FormData, UploadFile

from tessera.application.attachments.commands import UploadFile as UploadCommand
from tessera.application.services import Services
from tessera.application.views import AttachmentView, CommentView, TicketView
from tessera.domain.access.principal import Principal

COMMENT_BATCH: Final = 200
MAX_COMMENTS: Final = 2000
CHUNK: Final = 64 * 1024
FILE_FIELD: Final = "files"


@dataclass(frozen=True, slots=True, kw_only=True)
class PortalConversation:
    ticket: TicketView
    comments: list[CommentView]
    files: list[AttachmentView]  # attached to the ticket itself


async def conversation(
    services: Services, ticket_id: int, *, principal: Principal
) -> PortalConversation:
    """Raises TicketNotFoundError (missing, or not the customer's to see)."""
    ticket = await services.get_ticket(ticket_id, principal=principal)
    comments: list[CommentView] = []
    while len(comments) < MAX_COMMENTS:
        after = comments[-1].id if comments else 0
        batch = await services.list_comments(
            ticket_id, principal=principal, after_id=after, limit=COMMENT_BATCH
        )
        comments.extend(c for c in batch if c.public)  # the use case already left notes out
        if len(batch) < COMMENT_BATCH:
            break
    on_comments = {a.id for c in comments for a in c.attachments}
    every = await services.ticket_attachments(ticket_id, principal=principal)
    return PortalConversation(
        ticket=ticket,
        comments=comments,
        files=[a for a in every if a.id not in on_comments],
    )


def author_of(comment: CommentView, principal: Principal) -> str:
    """Customers read "You" and "Support", never the directory of agents' names."""
    if comment.author_id == principal.user_id:
        return "You"
    if comment.author_role in ("agent", "admin"):
        return "Support"
    return "Your colleague"


async def _chunks(file: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await file.read(CHUNK):
        yield chunk


def chosen_files(form: FormData) -> list[UploadFile]:
    """The file inputs that hold a file (an empty input still sends a nameless part)."""
    return [f for f in form.getlist(FILE_FIELD) if isinstance(f, UploadFile) and f.filename]


async def upload_all(
    services: Services, form: FormData, *, principal: Principal
) -> tuple[str, ...]:
    """Each chosen file uploaded; their tokens, for the ticket or comment that claims them.
    Raises what the upload raises (too large, a refused type, a bad name)."""
    tokens: list[str] = []
    for file in chosen_files(form):
        uploaded = await services.upload_file(
            UploadCommand(
                chunks=_chunks(file), filename=file.filename, content_type=file.content_type
            ),
            principal=principal,
        )
        tokens.append(uploaded.token)
    return tuple(tokens)
