"""Use cases: the mailboxes Tessera reads and the messages that came in (admins only)."""

from __future__ import annotations

from dataclasses import dataclass

from tessera.application.errors import ForbiddenError, NotFoundError
from tessera.application.ports.clock import Clock
from tessera.application.ports.inbound_mail import (
    InboundMessageStore,
    InboundMessageView,
    MailboxStore,
)
from tessera.application.ports.unit_of_work import UnitOfWorkFactory
from tessera.application.tickets.update_ticket import ensure_group
from tessera.application.validation import FieldErrors
from tessera.domain.access.mailboxes import EmailAddress
from tessera.domain.access.principal import Principal, can_administer
from tessera.domain.errors import DomainValidationError
from tessera.domain.mail.mailbox import (
    NEW_MAILBOX_ID,
    ImapIntake,
    Intake,
    LmtpIntake,
    Mailbox,
    parse_address,
    parse_imap,
)


class MailboxNotFoundError(NotFoundError):
    code = "mailbox_not_found"

    def __init__(self, mailbox_id: int) -> None:
        super().__init__(f"Mailbox {mailbox_id} not found", details={"id": mailbox_id})


@dataclass(frozen=True, slots=True, kw_only=True)
class IntakeSpec:
    """``password`` None on an update keeps the stored one (it is write-only)."""

    kind: str
    host: str = ""
    port: int = 993
    tls: str = "tls"
    user: str = ""
    password: str | None = None
    folder: str = "INBOX"


@dataclass(frozen=True, slots=True, kw_only=True)
class SaveMailbox:
    address: str
    group_id: int | None
    intake: IntakeSpec


def _ensure_admin(principal: Principal) -> None:
    if not can_administer(principal):
        raise ForbiddenError("Only admins may manage mailboxes")


def _intake(spec: IntakeSpec, *, stored: Intake | None) -> Intake:
    if spec.kind == "lmtp":
        return LmtpIntake()
    if spec.kind != "imap":
        raise DomainValidationError.single("intake.kind", "must be imap or lmtp")
    password = spec.password
    if password is None and isinstance(stored, ImapIntake):
        password = stored.password
    return parse_imap(
        host=spec.host,
        port=spec.port,
        tls=spec.tls,
        user=spec.user,
        password=password or "",
        folder=spec.folder,
    )


def _validated(command: SaveMailbox, *, stored: Intake | None) -> tuple[EmailAddress, Intake]:
    fields = FieldErrors()
    address = fields.take(lambda: parse_address(command.address), EmailAddress(""))
    intake: Intake = fields.take(lambda: _intake(command.intake, stored=stored), LmtpIntake())
    fields.raise_any()
    return address, intake


async def _ensure_group(uow: UnitOfWorkFactory, group_id: int | None) -> None:
    """The group new tickets from the mailbox go to must exist."""
    if group_id is None:
        return
    async with uow() as work:
        await ensure_group(work, group_id)


class CreateMailboxHandler:
    """Raises ForbiddenError, DomainValidationError (also for a group that does not exist)
    and ConflictError (address taken)."""

    def __init__(self, *, store: MailboxStore, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._store = store
        self._uow = uow
        self._clock = clock

    async def __call__(self, command: SaveMailbox, *, principal: Principal) -> Mailbox:
        _ensure_admin(principal)
        address, intake = _validated(command, stored=None)
        await _ensure_group(self._uow, command.group_id)
        now = self._clock.now()
        mailbox = Mailbox(
            id=NEW_MAILBOX_ID,
            address=address,
            group_id=command.group_id,
            intake=intake,
            created_at=now,
            updated_at=now,
        )
        await self._store.add(mailbox)
        return mailbox


class GetMailboxHandler:
    """Raises ForbiddenError and MailboxNotFoundError."""

    def __init__(self, *, store: MailboxStore) -> None:
        self._store = store

    async def __call__(self, mailbox_id: int, *, principal: Principal) -> Mailbox:
        _ensure_admin(principal)
        mailbox = await self._store.get(mailbox_id)
        if mailbox is None:
            raise MailboxNotFoundError(mailbox_id)
        return mailbox


class UpdateMailboxHandler:
    """Replaces the configuration (the password stays when none is given). Raises
    ForbiddenError, MailboxNotFoundError, DomainValidationError (also for a group that does
    not exist) and ConflictError."""

    def __init__(self, *, store: MailboxStore, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._store = store
        self._uow = uow
        self._clock = clock

    async def __call__(
        self, mailbox_id: int, command: SaveMailbox, *, principal: Principal
    ) -> Mailbox:
        mailbox = await GetMailboxHandler(store=self._store)(mailbox_id, principal=principal)
        mailbox.address, mailbox.intake = _validated(command, stored=mailbox.intake)
        await _ensure_group(self._uow, command.group_id)
        mailbox.group_id = command.group_id
        mailbox.updated_at = self._clock.now()
        await self._store.save(mailbox)
        return mailbox


class ListMailboxesHandler:
    """Raises ForbiddenError."""

    def __init__(self, *, store: MailboxStore) -> None:
        self._store = store

    async def __call__(self, *, principal: Principal, after_id: int, limit: int) -> list[Mailbox]:
        _ensure_admin(principal)
        return await self._store.page(after_id=after_id, limit=limit)


class DeleteMailboxHandler:
    """Stops reading the mailbox; what it received stays. Raises ForbiddenError and
    MailboxNotFoundError."""

    def __init__(self, *, store: MailboxStore) -> None:
        self._store = store

    async def __call__(self, mailbox_id: int, *, principal: Principal) -> None:
        _ensure_admin(principal)
        if not await self._store.delete(mailbox_id):
            raise MailboxNotFoundError(mailbox_id)


class ListMessagesHandler:
    """Newest first. Raises ForbiddenError and MailboxNotFoundError."""

    def __init__(self, *, store: MailboxStore, messages: InboundMessageStore) -> None:
        self._store = store
        self._messages = messages

    async def __call__(
        self, mailbox_id: int, *, principal: Principal, after_id: int, limit: int
    ) -> list[InboundMessageView]:
        await GetMailboxHandler(store=self._store)(mailbox_id, principal=principal)
        return await self._messages.page(mailbox_id, after_id=after_id, limit=limit)
