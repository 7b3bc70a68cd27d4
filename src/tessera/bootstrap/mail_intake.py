"""The inbound e-mail channel: its use cases over the database, the LMTP server (when a port
is set), the IMAP readers and the processor, all run where the background tasks run."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from dataclasses import dataclass
from email.utils import parseaddr

from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.application.mail.services import MailServices, build_mail_services
from tessera.application.mail.threads import ReplyAddress
from tessera.application.ports.clock import Clock
from tessera.application.ports.events import BackgroundTask
from tessera.application.ports.unit_of_work import UnitOfWorkFactory
from tessera.application.services import Services
from tessera.bootstrap.settings import MailSettings
from tessera.domain.mail.mailbox import ImapIntake
from tessera.domain.tickets.sla import SlaPolicy
from tessera.infrastructure.mail_intake.imap import ImapReader
from tessera.infrastructure.mail_intake.intakes import ImapIntakes
from tessera.infrastructure.mail_intake.lmtp import LmtpIntakeServer
from tessera.infrastructure.mail_intake.processor import MailProcessor
from tessera.infrastructure.mail_intake.reader import EmailPackageReader
from tessera.infrastructure.mail_intake.state import IntakeHealthCheck, IntakeState
from tessera.infrastructure.mail_intake.store import (
    SqlAlchemyInboundMessageStore,
    SqlAlchemyMailboxStore,
    SqlAlchemyMailThreadIndex,
)
from tessera.infrastructure.persistence.leases import SqlAlchemyLeaseStore


@dataclass(frozen=True, slots=True, kw_only=True)
class MailIntake:
    services: MailServices
    tasks: tuple[BackgroundTask, ...]
    processor: MailProcessor
    lmtp: LmtpIntakeServer | None


def intake_state() -> tuple[IntakeState, IntakeHealthCheck]:
    state = IntakeState()
    return state, IntakeHealthCheck(state)


def build_mail_intake(
    mail: MailSettings,
    *,
    engine: AsyncEngine,
    uow: UnitOfWorkFactory,
    services: Services,
    state: IntakeState,
    clock: Clock,
    sla: SlaPolicy,
    max_files: int = 10,
) -> MailIntake:
    identity = mail.identity()
    own = {
        parseaddr(mail.sender)[1].lower(),
        f"{identity.reply_local_part}@{identity.reply_domain}",
    }
    messages = SqlAlchemyInboundMessageStore(engine)
    mailboxes = SqlAlchemyMailboxStore(engine)
    mail_services = build_mail_services(
        uow=uow,
        mailboxes=mailboxes,
        messages=messages,
        sent=SqlAlchemyMailThreadIndex(engine),
        reader=EmailPackageReader(body_limit=mail.body_limit_kib * 1024, own_addresses=own),
        reply_address=ReplyAddress(
            local_part=identity.reply_local_part, domain=identity.reply_domain
        ),
        upload_file=services.upload_file,
        clock=clock,
        sla=sla,
        max_files=max_files,
        own_addresses=frozenset(own),
    )
    holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    wake = asyncio.Event()
    processor = MailProcessor(mail_services.process_mail, holder=holder, wake=wake)
    leases = SqlAlchemyLeaseStore(engine)

    def reader(mailbox_id: int, intake: ImapIntake) -> ImapReader:
        return ImapReader(
            mailbox_id=mailbox_id,
            intake=intake,
            accept=mail_services.accept_mail,
            leases=leases,
            clock=clock,
            holder=holder,
            state=state,
            wake=wake,
            poll_seconds=mail.imap_poll_seconds,
        )

    imap = ImapIntakes(
        mailboxes=mailboxes, reader=reader, state=state, refresh_seconds=mail.intake_refresh_seconds
    )
    lmtp = None
    if mail.lmtp_port is not None:
        lmtp = LmtpIntakeServer(
            host=mail.lmtp_host,
            port=mail.lmtp_port,
            mailboxes=mailboxes,
            accept=mail_services.accept_mail,
            wake=wake,
            # The raw message may be larger than its text: attachments, two alternatives.
            data_size_limit=mail.body_limit_kib * 1024 * 64,
        )
    tasks: tuple[BackgroundTask, ...] = (processor, imap, *((lmtp,) if lmtp else ()))
    return MailIntake(services=mail_services, tasks=tasks, processor=processor, lmtp=lmtp)
