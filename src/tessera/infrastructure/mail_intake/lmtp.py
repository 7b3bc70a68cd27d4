"""The LMTP intake (RFC 2033, ``aiosmtpd``): the site's mail server delivers each message to
Tessera, which keeps it for every recipient that is an LMTP mailbox (or a plus tag of one)
and answers per recipient; the message is processed afterwards by the processor."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import Envelope, Session

from tessera.application.mail.receive_mail import AcceptMailHandler
from tessera.application.ports.inbound_mail import MailboxStore
from tessera.domain.mail.mailbox import LmtpIntake
from tessera.infrastructure.mail_intake.state import record_received

logger = logging.getLogger("tessera.mail")


def _base(address: str) -> str:
    local, _, domain = address.lower().rpartition("@")
    return f"{local.partition('+')[0]}@{domain}"


class _Handler:
    def __init__(
        self,
        *,
        mailboxes: MailboxStore,
        accept: AcceptMailHandler,
        wake: asyncio.Event,
    ) -> None:
        self._mailboxes = mailboxes
        self._accept = accept
        self._wake = wake

    async def _lmtp_mailboxes(self) -> dict[str, int]:
        found: dict[str, int] = {}
        after = 0
        while page := await self._mailboxes.page(after_id=after, limit=100):
            for mailbox in page:
                if isinstance(mailbox.intake, LmtpIntake):
                    found[mailbox.address.lower()] = mailbox.id
            after = page[-1].id
        return found

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if _base(address) not in await self._lmtp_mailboxes():
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: Any, session: Session, envelope: Envelope
    ) -> str:
        raw = envelope.original_content or b""
        mailboxes = await self._lmtp_mailboxes()
        targets = dict.fromkeys(
            mailboxes[_base(r)] for r in envelope.rcpt_tos if _base(r) in mailboxes
        )
        try:
            for mailbox_id in targets:
                await self._accept(mailbox_id=mailbox_id, raw=raw)
                record_received()
        except Exception:
            logger.exception("an LMTP delivery could not be kept")
            return _per_recipient("451 4.3.0 Try again later", envelope)
        self._wake.set()
        return _per_recipient("250 2.0.0 Delivered", envelope)


def _per_recipient(status: str, envelope: Envelope) -> str:
    """LMTP answers DATA once per accepted recipient (RFC 2033 4.2); a message is kept for
    all its recipients or for none, so the answers are alike."""
    return "\r\n".join([status] * max(1, len(envelope.rcpt_tos)))


class LmtpIntakeServer:
    name = "mail-lmtp"

    def __init__(
        self,
        *,
        host: str,
        port: int,
        mailboxes: MailboxStore,
        accept: AcceptMailHandler,
        wake: asyncio.Event,
        data_size_limit: int,
    ) -> None:
        self._host = host
        self._port = port
        self._handler = _Handler(mailboxes=mailboxes, accept=accept, wake=wake)
        self._limit = data_size_limit
        self.bound_port: int | None = None

    async def run(self, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: LMTP(self._handler, data_size_limit=self._limit, enable_SMTPUTF8=True),
            host=self._host,
            port=self._port,
        )
        self.bound_port = server.sockets[0].getsockname()[1]
        logger.info("LMTP intake listening on %s:%s", self._host, self.bound_port)
        try:
            await stop.wait()
        finally:
            server.close()
            await server.wait_closed()
