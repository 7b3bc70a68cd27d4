"""In-memory unit of work: keeps its own writes aside and applies them onto the store on commit."""

from __future__ import annotations

import copy
import dataclasses
from types import TracebackType
from typing import Self

from tessera.domain.events import PeopleEvent
from tessera.infrastructure.memory.attachments import InMemoryAttachmentRepository
from tessera.infrastructure.memory.inbound_mail import InMemoryInboundOutcomes
from tessera.infrastructure.memory.mailboxes import InMemoryMailboxRegistry
from tessera.infrastructure.memory.people import (
    InMemoryGroupRepository,
    InMemoryOrganizationRepository,
    InMemoryUserRepository,
)
from tessera.infrastructure.memory.repositories import (
    InMemoryCommentRepository,
    InMemoryTicketRepository,
    InMemoryTokenRepository,
)
from tessera.infrastructure.memory.store import MemoryStore, PendingWrites


class InMemoryUnitOfWork:
    """Reads see what is committed plus this unit's own writes (read committed, as on
    PostgreSQL); commit applies only this unit's changes, so units that overlap keep each
    other's work, and a ticket changed by another unit since it was loaded is a conflict."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._pending = PendingWrites()
        self.tickets = InMemoryTicketRepository(store, self._pending)
        self.tokens = InMemoryTokenRepository(store, self._pending)
        self.comments = InMemoryCommentRepository(store, self._pending)
        self.mailboxes = InMemoryMailboxRegistry(store, self._pending)
        self.users = InMemoryUserRepository(store, self._pending)
        self.organizations = InMemoryOrganizationRepository(store, self._pending)
        self.groups = InMemoryGroupRepository(store, self._pending)
        self.attachments = InMemoryAttachmentRepository(store, self._pending)
        # the e-mail channel: a message's outcome commits with what it made
        self.inbound_messages = InMemoryInboundOutcomes(store.inbound_messages)
        self.committed = False
        self._people_events: list[PeopleEvent] = []

    def record(self, event: PeopleEvent) -> None:
        self._people_events.append(event)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Uncommitted writes are simply dropped; row locks are let go."""
        self._pending.clear()
        self.inbound_messages.clear()
        self._people_events.clear()
        self.tickets.release()

    async def commit(self) -> None:
        # No await from the check to the last write: the commit is atomic for other units.
        self.tickets.check_unchanged()
        self.mailboxes.check_unclaimed()
        self.users.check_unclaimed()
        self.organizations.check_unclaimed()
        self.attachments.check_unclaimed()
        self.inbound_messages.check_held()
        events = [event for ticket in self.tickets.seen() for event in ticket.pull_events()]
        pending = self._pending
        for ticket_id in pending.deleted_tickets:
            self._store.tickets.pop(ticket_id, None)
        self._store.tickets.update(copy.deepcopy(pending.tickets))
        self._store.tokens.update(copy.deepcopy(pending.tokens))
        self._store.comments.update(copy.deepcopy(pending.comments))
        self._store.mailboxes.update(pending.mailboxes)
        self._store.users.update(copy.deepcopy(pending.users))
        self._store.organizations.update(copy.deepcopy(pending.organizations))
        self._store.groups.update(copy.deepcopy(pending.groups))
        self._store.memberships = (self._store.memberships | pending.joined) - pending.left
        self._store.attachments.update(copy.deepcopy(pending.attachments))
        for attachment_id in pending.removed_attachments:
            self._store.attachments.pop(attachment_id, None)
        # People events first: a customer created on the way exists before their ticket.
        for event in self._people_events:
            self._store.events.append(
                dataclasses.replace(event, sequence=self._store.next_sequence(event))
            )
        self._people_events.clear()
        self._store.events.extend(events)
        self.inbound_messages.committed()
        self.tickets.committed()
        pending.clear()
        self.committed = True
