"""Views: what the use cases hand to the presentation layer (plain, immutable data)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from tessera.domain.attachments.attachment import Attachment
from tessera.domain.comments.comment import Comment
from tessera.domain.tickets.ticket import Ticket


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketView:
    id: int
    title: str
    description: str
    status: str
    priority: str
    customer_email: str
    assignee_id: int | None
    tags: tuple[str, ...]
    version: int
    created_at: datetime
    updated_at: datetime
    first_response_due_at: datetime
    resolution_due_at: datetime
    first_responded_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    merged_into_id: int | None
    requester_id: int | None
    organization_id: int | None
    group_id: int | None
    channel: str
    follower_ids: tuple[int, ...]

    @classmethod
    def of(cls, ticket: Ticket) -> TicketView:
        return cls(
            id=ticket.id,
            title=ticket.title,
            description=ticket.description,
            status=ticket.status.value,
            priority=ticket.priority.value,
            customer_email=ticket.customer_email,
            assignee_id=ticket.assignee_id,
            tags=tuple(sorted(ticket.tags)),
            version=ticket.version,
            created_at=ticket.created_at,
            updated_at=ticket.updated_at,
            first_response_due_at=ticket.first_response_due_at,
            resolution_due_at=ticket.resolution_due_at,
            first_responded_at=ticket.first_responded_at,
            resolved_at=ticket.resolved_at,
            closed_at=ticket.closed_at,
            merged_into_id=ticket.merged_into_id,
            requester_id=ticket.requester_id,
            organization_id=ticket.organization_id,
            group_id=ticket.group_id,
            channel=ticket.channel.value,
            follower_ids=tuple(sorted(ticket.follower_ids)),
        )


@dataclass(frozen=True, slots=True)
class TicketPage:
    items: list[TicketView]
    next_cursor: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class AttachmentView:
    """The metadata of a file, never its bytes."""

    id: int
    filename: str
    content_type: str
    size: int
    sha256: str

    @classmethod
    def of(cls, attachment: Attachment) -> AttachmentView:
        return cls(
            id=attachment.id,
            filename=attachment.filename,
            content_type=attachment.content_type,
            size=attachment.size,
            sha256=attachment.sha256,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class CommentView:
    id: int
    ticket_id: int
    author_id: int
    author_role: str
    body: str
    public: bool
    created_at: datetime
    attachments: tuple[AttachmentView, ...] = ()

    @classmethod
    def of(cls, comment: Comment, attachments: Iterable[Attachment] = ()) -> CommentView:
        return cls(
            id=comment.id,
            ticket_id=comment.ticket_id,
            author_id=comment.author_id,
            author_role=comment.author_role.value,
            body=comment.body,
            public=comment.public,
            created_at=comment.created_at,
            attachments=tuple(AttachmentView.of(a) for a in attachments),
        )
