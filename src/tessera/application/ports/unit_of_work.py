"""Unit of work port: one use case, one transaction; its state change and events commit together."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Protocol, Self

from tessera.application.ports.attachments import AttachmentRepository
from tessera.application.ports.comments import CommentRepository
from tessera.application.ports.inbound_mail import InboundOutcomes
from tessera.application.ports.mailboxes import MailboxRegistry
from tessera.application.ports.people import (
    GroupRepository,
    OrganizationRepository,
    UserRepository,
)
from tessera.application.ports.tickets import TicketRepository
from tessera.application.ports.tokens import TokenRepository
from tessera.domain.events import PeopleEvent


class UnitOfWork(Protocol):
    """``async with uow: ... await uow.commit()``; leaving the block without commit rolls back.

    ``commit`` writes the events recorded by every ticket the unit of work has seen, and the
    people events given to ``record``, into the outbox, in the same transaction as the
    change. Raises ConflictError on a lost race.
    """

    @property
    def tickets(self) -> TicketRepository: ...

    @property
    def tokens(self) -> TokenRepository: ...

    @property
    def comments(self) -> CommentRepository: ...

    @property
    def mailboxes(self) -> MailboxRegistry: ...

    @property
    def users(self) -> UserRepository: ...

    @property
    def organizations(self) -> OrganizationRepository: ...

    @property
    def groups(self) -> GroupRepository: ...

    @property
    def attachments(self) -> AttachmentRepository: ...

    # the e-mail channel: a message's outcome commits with what it made
    @property
    def inbound_messages(self) -> InboundOutcomes: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def record(self, event: PeopleEvent) -> None:
        """Write ``event`` (about a user, an organization or a group) into the outbox with
        the change, at commit; its subject's next sequence is assigned then."""
        ...

    async def commit(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]
