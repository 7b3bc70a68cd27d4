"""The inbound channel's use cases, built over whichever adapters the caller chose."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tessera.application.attachments.upload_file import UploadFileHandler
from tessera.application.mail.manage_mailboxes import (
    CreateMailboxHandler,
    DeleteMailboxHandler,
    GetMailboxHandler,
    ListMailboxesHandler,
    ListMessagesHandler,
    UpdateMailboxHandler,
)
from tessera.application.mail.receive_mail import AcceptMailHandler, ProcessMailHandler
from tessera.application.mail.threads import MailThreader, ReplyAddress
from tessera.application.ports.clock import Clock
from tessera.application.ports.inbound_mail import (
    InboundMessageStore,
    MailboxStore,
    MailReader,
    MailThreadIndex,
)
from tessera.application.ports.unit_of_work import UnitOfWorkFactory
from tessera.domain.tickets.sla import SlaPolicy


@dataclass(frozen=True, slots=True, kw_only=True)
class MailServices:
    accept_mail: AcceptMailHandler
    process_mail: ProcessMailHandler
    create_mailbox: CreateMailboxHandler
    get_mailbox: GetMailboxHandler
    list_mailboxes: ListMailboxesHandler
    update_mailbox: UpdateMailboxHandler
    delete_mailbox: DeleteMailboxHandler
    list_messages: ListMessagesHandler
    mailboxes: MailboxStore  # the intakes read their configuration from it


def build_mail_services(
    *,
    uow: UnitOfWorkFactory,
    mailboxes: MailboxStore,
    messages: InboundMessageStore,
    sent: MailThreadIndex,
    reader: MailReader,
    reply_address: ReplyAddress,
    upload_file: UploadFileHandler,
    clock: Clock,
    sla: SlaPolicy,
    max_files: int = 10,
    own_addresses: frozenset[str] = frozenset(),
    lease: timedelta = timedelta(minutes=5),
) -> MailServices:
    """``own_addresses`` are Tessera's (its sender, its reply address): never followers."""
    threader = MailThreader(sent=sent, received=messages, uow=uow, reply_address=reply_address)
    return MailServices(
        accept_mail=AcceptMailHandler(store=messages, reader=reader, clock=clock),
        process_mail=ProcessMailHandler(
            store=messages,
            reader=reader,
            threader=threader,
            uow=uow,
            mailboxes=mailboxes,
            upload_file=upload_file,
            clock=clock,
            sla=sla,
            max_files=max_files,
            own_addresses=own_addresses,
            lease=lease,
        ),
        create_mailbox=CreateMailboxHandler(store=mailboxes, uow=uow, clock=clock),
        get_mailbox=GetMailboxHandler(store=mailboxes),
        list_mailboxes=ListMailboxesHandler(store=mailboxes),
        update_mailbox=UpdateMailboxHandler(store=mailboxes, uow=uow, clock=clock),
        delete_mailbox=DeleteMailboxHandler(store=mailboxes),
        list_messages=ListMessagesHandler(store=mailboxes, messages=messages),
        mailboxes=mailboxes,
    )
