"""The in-memory "database": committed state shared by the in-memory units of work."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from tessera.domain.access.tokens import ApiToken
from tessera.domain.comments.comment import Comment
from tessera.domain.events import DomainEvent
from tessera.domain.tickets.ticket import Ticket


@dataclass
class MemoryStore:
    tickets: dict[int, Ticket] = field(default_factory=dict)
    tokens: dict[int, ApiToken] = field(default_factory=dict)
    events: list[DomainEvent] = field(default_factory=list)
    comments: dict[int, Comment] = field(default_factory=dict)
    mailboxes: dict[str, str] = field(default_factory=dict)  # look-alike key -> address
    next_ticket_id: int = 1
    next_token_id: int = 1
    next_comment_id: int = 1

    def snapshot(self) -> MemoryStore:
        """A deep copy: a unit of work works on one and swaps it in on commit."""
        return copy.deepcopy(self)

    def replace_with(self, other: MemoryStore) -> None:
        self.tickets = other.tickets
        self.tokens = other.tokens
        self.events = other.events
        self.comments = other.comments
        self.mailboxes = other.mailboxes
        self.next_ticket_id = other.next_ticket_id
        self.next_token_id = other.next_token_id
        self.next_comment_id = other.next_comment_id
