"""The in-memory "database": committed state shared by the in-memory units of work."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field

from tessera.domain.access.tokens import ApiToken
from tessera.domain.attachments.attachment import Attachment
from tessera.domain.comments.comment import Comment
from tessera.domain.events import PeopleEvent, StoredEvent
from tessera.domain.people.groups import Group
from tessera.domain.people.organizations import Organization
from tessera.domain.people.users import User
from tessera.domain.tickets.ticket import Ticket
from tessera.infrastructure.memory.inbound_mail import InMemoryInboundMessageStore


@dataclass
class MemoryStore:
    tickets: dict[int, Ticket] = field(default_factory=dict)
    tokens: dict[int, ApiToken] = field(default_factory=dict)
    events: list[StoredEvent] = field(default_factory=list)
    comments: dict[int, Comment] = field(default_factory=dict)
    mailboxes: dict[str, str] = field(default_factory=dict)  # look-alike key -> address
    users: dict[int, User] = field(default_factory=dict)
    organizations: dict[int, Organization] = field(default_factory=dict)
    groups: dict[int, Group] = field(default_factory=dict)
    memberships: set[tuple[int, int]] = field(default_factory=set)  # (group id, user id)
    attachments: dict[int, Attachment] = field(default_factory=dict)
    # Identities are handed out at once, like a database sequence: a unit of work that rolls
    # back leaves a gap, and two overlapping units never get the same id.
    next_ticket_id: int = 1
    next_token_id: int = 1
    next_comment_id: int = 1
    next_user_id: int = 1
    next_organization_id: int = 1
    next_group_id: int = 1
    next_attachment_id: int = 1
    # Row locks of ``get_for_update``, held until the unit of work ends.
    ticket_locks: defaultdict[int, asyncio.Lock] = field(
        default_factory=lambda: defaultdict(asyncio.Lock), repr=False, compare=False
    )
    # the e-mail channel: received messages, whose outcomes units of work commit
    inbound_messages: InMemoryInboundMessageStore = field(
        default_factory=InMemoryInboundMessageStore, repr=False, compare=False
    )

    def next_sequence(self, event: PeopleEvent) -> int:
        """The sequence the people event's subject is at next (its events so far, plus 1)."""
        return 1 + sum(
            1
            for e in self.events
            if isinstance(e, PeopleEvent)
            and (e.subject_kind, e.subject_id) == (event.subject_kind, event.subject_id)
        )


@dataclass
class PendingWrites:
    """One unit of work's own changes, applied onto the store only when it commits."""

    tickets: dict[int, Ticket] = field(default_factory=dict)  # added or saved
    deleted_tickets: set[int] = field(default_factory=set)
    tokens: dict[int, ApiToken] = field(default_factory=dict)
    comments: dict[int, Comment] = field(default_factory=dict)
    mailboxes: dict[str, str] = field(default_factory=dict)
    users: dict[int, User] = field(default_factory=dict)
    organizations: dict[int, Organization] = field(default_factory=dict)
    groups: dict[int, Group] = field(default_factory=dict)
    joined: set[tuple[int, int]] = field(default_factory=set)
    left: set[tuple[int, int]] = field(default_factory=set)
    attachments: dict[int, Attachment] = field(default_factory=dict)
    removed_attachments: set[int] = field(default_factory=set)

    def clear(self) -> None:
        self.tickets.clear()
        self.deleted_tickets.clear()
        self.tokens.clear()
        self.comments.clear()
        self.mailboxes.clear()
        self.users.clear()
        self.organizations.clear()
        self.groups.clear()
        self.joined.clear()
        self.left.clear()
        self.attachments.clear()
        self.removed_attachments.clear()
