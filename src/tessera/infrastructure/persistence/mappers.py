"""Explicit mappers between table rows and domain objects (no ORM instrumentation)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import RowMapping

from tessera.application.events.cloudevents import DEFAULT_SOURCE, CloudEvent, subject_text
from tessera.application.views import TicketView
from tessera.domain.access.mailboxes import EmailAddress
from tessera.domain.access.principal import Role
from tessera.domain.access.tokens import ApiToken
from tessera.domain.comments.comment import Comment, CommentBody
from tessera.domain.events import TICKET_SUBJECT, DomainEvent, PeopleEvent
from tessera.domain.tickets.status import Status
from tessera.domain.tickets.ticket import Ticket
from tessera.domain.tickets.values import Channel, Description, Priority, Tag, Title

Row = RowMapping


def ticket_from_row(row: Row, tags: Iterable[str], followers: Iterable[int] = ()) -> Ticket:
    return Ticket(
        id=row["id"],
        title=Title(row["title"]),
        description=Description(row["description"]),
        status=Status(row["status"]),
        priority=Priority(row["priority"]),
        customer_email=EmailAddress(row["customer_email"]),
        assignee_id=row["assignee_id"],
        tags=frozenset(Tag(t) for t in tags),
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        first_response_due_at=row["first_response_due_at"],
        resolution_due_at=row["resolution_due_at"],
        first_responded_at=row["first_responded_at"],
        resolved_at=row["resolved_at"],
        closed_at=row["closed_at"],
        merged_into_id=row["merged_into_id"],
        paused_at=row["paused_at"],
        paused=timedelta(seconds=row["paused_seconds"]),
        first_response_breached_at=row["first_response_breached_at"],
        resolution_breached_at=row["resolution_breached_at"],
        event_sequence=row["event_sequence"],
        requester_id=row["requester_id"],
        organization_id=row["organization_id"],
        group_id=row["group_id"],
        channel=Channel(row["channel"]),
        follower_ids=frozenset(followers),
    )


def ticket_to_row(ticket: Ticket) -> dict[str, Any]:
    """Every stored column but ``id`` (an identity the database assigns)."""
    return {
        "title": ticket.title,
        "description": ticket.description,
        "status": ticket.status.value,
        "priority": ticket.priority.value,
        "priority_rank": ticket.priority.rank,
        "customer_email": ticket.customer_email,
        "assignee_id": ticket.assignee_id,
        "version": ticket.version,
        "event_sequence": ticket.event_sequence,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "first_response_due_at": ticket.first_response_due_at,
        "resolution_due_at": ticket.resolution_due_at,
        "first_responded_at": ticket.first_responded_at,
        "resolved_at": ticket.resolved_at,
        "closed_at": ticket.closed_at,
        "merged_into_id": ticket.merged_into_id,
        "paused_at": ticket.paused_at,
        "paused_seconds": int(ticket.paused.total_seconds()),
        "first_response_breached_at": ticket.first_response_breached_at,
        "resolution_breached_at": ticket.resolution_breached_at,
        "requester_id": ticket.requester_id,
        "organization_id": ticket.organization_id,
        "group_id": ticket.group_id,
        "channel": ticket.channel.value,
    }


def ticket_view_from_row(
    row: Row, tags: Iterable[str], followers: Iterable[int] = ()
) -> TicketView:
    """Straight to the view, as ``TicketView.of(ticket_from_row(row, tags, followers))`` gives
    it: a read needs no aggregate, and reads only the view's columns."""
    return TicketView(
        id=row["id"],
        title=row["title"],
        description=row["description"],
        status=row["status"],
        priority=row["priority"],
        customer_email=row["customer_email"],
        assignee_id=row["assignee_id"],
        tags=tuple(sorted(tags)),
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        first_response_due_at=row["first_response_due_at"],
        resolution_due_at=row["resolution_due_at"],
        first_responded_at=row["first_responded_at"],
        resolved_at=row["resolved_at"],
        closed_at=row["closed_at"],
        merged_into_id=row["merged_into_id"],
        requester_id=row["requester_id"],
        organization_id=row["organization_id"],
        group_id=row["group_id"],
        channel=row["channel"],
        follower_ids=tuple(sorted(followers)),
    )


def comment_from_row(row: Row) -> Comment:
    return Comment(
        id=row["id"],
        ticket_id=row["ticket_id"],
        author_id=row["author_id"],
        author_role=Role(row["author_role"]),
        body=CommentBody(row["body"]),
        public=row["public"],
        created_at=row["created_at"],
    )


def comment_to_row(comment: Comment) -> dict[str, Any]:
    return {
        "ticket_id": comment.ticket_id,
        "author_id": comment.author_id,
        "author_role": comment.author_role.value,
        "body": comment.body,
        "public": comment.public,
        "created_at": comment.created_at,
    }


def token_from_row(row: Row) -> ApiToken:
    return ApiToken(
        id=row["id"],
        user_id=row["user_id"],
        name=row["name"],
        role=Role(row["role"]),
        email=EmailAddress(row["email"]) if row["email"] is not None else None,
        token_hash=row["token_hash"],
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
    )


def token_to_row(token: ApiToken) -> dict[str, Any]:
    return {
        "user_id": token.user_id,
        "name": token.name,
        "role": token.role.value,
        "email": token.email,
        "token_hash": token.token_hash,
        "created_at": token.created_at,
        "revoked_at": token.revoked_at,
    }


def outbox_row(event: DomainEvent, *, traceparent: str | None) -> dict[str, Any]:
    return {
        "event_id": event.event_id,
        "event_type": event.type,
        "ticket_id": event.ticket_id,
        "sequence": event.sequence,
        "actor": event.actor,
        "occurred_at": event.occurred_at,
        "data": event.data(),
        "traceparent": traceparent,
        "subject_kind": TICKET_SUBJECT,
        "subject_id": event.ticket_id,
    }


def people_outbox_row(
    event: PeopleEvent, *, sequence: int, traceparent: str | None
) -> dict[str, Any]:
    """A people event's row: no ticket; its subject and the subject's next ``sequence``."""
    return {
        "event_id": event.event_id,
        "event_type": event.type,
        "ticket_id": None,
        "sequence": sequence,
        "actor": event.actor,
        "occurred_at": event.occurred_at,
        "data": event.data(),
        "traceparent": traceparent,
        "subject_kind": event.subject_kind,
        "subject_id": event.subject_id,
    }


def outbox_subject_id(row: RowMapping) -> int:
    """A ticket's events are keyed by ``ticket_id`` (``subject_id`` repeats it, or is NULL
    in rows written without it); people events by ``subject_id``."""
    kind = row["subject_kind"]
    return int(row["ticket_id"] if kind == TICKET_SUBJECT else row["subject_id"])


def cloud_event_from_row(row: Row, *, source: str = DEFAULT_SOURCE) -> CloudEvent:
    return CloudEvent(
        id=row["event_id"],
        type=row["event_type"],
        source=source,
        subject=subject_text(row["subject_kind"], outbox_subject_id(row)),
        time=row["occurred_at"],
        sequence=row["sequence"],
        actor=row["actor"],
        data=row["data"],
        traceparent=row["traceparent"],
    )
