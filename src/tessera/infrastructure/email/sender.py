"""Sends queued mail over SMTP (aiosmtplib), one connection per batch, retrying with backoff
until each mail goes or is dead."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import policy
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from enum import StrEnum
from typing import Any
from urllib.parse import unquote, urlsplit

import aiosmtplib
from sqlalchemy import RowMapping, update
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.application.ports.clock import Clock
from tessera.infrastructure.email.templates import single_line
from tessera.infrastructure.outbound.queue import backoff, claim_due
from tessera.infrastructure.persistence.engine import writer
from tessera.infrastructure.persistence.tables import outgoing_mail
from tessera.infrastructure.waiting import wait_any

logger = logging.getLogger("tessera.mail")


class SmtpTls(StrEnum):
    NONE = "none"
    STARTTLS = "starttls"
    TLS = "tls"  # implicit TLS (port 465)


@dataclass(frozen=True, slots=True, kw_only=True)
class SmtpConfig:
    url: str  # smtp://user:password@host:port
    tls: SmtpTls = SmtpTls.STARTTLS
    sender: str = "Tessera <support@localhost>"
    timeout: float = 10.0
    max_attempts: int = 10
    retry_base: timedelta = timedelta(seconds=30)
    retry_cap: timedelta = timedelta(hours=1)
    poll_interval: float = 2.0


FAILED = "failed"  # could not be built: terminal, with the reason in last_error


class UnbuildableMailError(ValueError):
    """A queued mail that no retry could ever send (a recipient that is not one address)."""


@dataclass(frozen=True, slots=True)
class BuiltMail:
    content: bytes
    sender: str
    recipient: str
    utf8: bool  # needs the SMTPUTF8 extension (an address that is not ASCII)


def sender_address(sender: str) -> Address:
    """The From header as configured; raises ValueError when it is not one address."""
    name, addr_spec = parseaddr(sender)
    if not addr_spec or any(c in sender for c in "\r\n"):
        raise ValueError(f"not an e-mail address: {sender!r}")
    return Address(display_name=name, addr_spec=addr_spec)


def build_mail(row: Mapping[Any, Any], *, sender: Address, now: datetime) -> BuiltMail:
    """The message as bytes, headers encoded by the email package (RFC 5322/2047), never by
    string concatenation: a notification (RFC 3834 ``Auto-Submitted``) in its ticket's
    thread, with plain text and HTML alternatives. Raises UnbuildableMailError."""
    recipient = str(row["recipient"])
    try:
        message = EmailMessage(policy=policy.SMTP)
        message["From"] = sender
        message["To"] = recipient
        addresses = message["To"].addresses
        if len(addresses) != 1 or addresses[0].addr_spec != recipient:
            raise ValueError("the recipient is not one e-mail address")
        message["Subject"] = single_line(row["subject"])
        message["Date"] = format_datetime(now)
        message["Message-ID"] = row["message_id"]
        if row["in_reply_to"]:
            message["In-Reply-To"] = row["in_reply_to"]
        if row["reference_ids"]:
            message["References"] = row["reference_ids"]
        if row["reply_to"]:
            message["Reply-To"] = Address(sender.display_name, addr_spec=row["reply_to"])
        message["Auto-Submitted"] = "auto-generated"
        # No out-of-office or other automatic answers from Exchange; bounces still come back.
        message["X-Auto-Response-Suppress"] = "OOF, AutoReply"
        message.set_content(row["text_body"])
        message.add_alternative(row["html_body"], subtype="html")
        utf8 = not (recipient.isascii() and sender.addr_spec.isascii())
        content = message.as_bytes(policy=policy.SMTPUTF8 if utf8 else policy.SMTP)
    except (ValueError, TypeError, LookupError, MessageError) as error:  # headers, encoding
        raise UnbuildableMailError(f"{type(error).__name__}: {error}") from error
    return BuiltMail(content, sender.addr_spec, recipient, utf8)


class SmtpConnection:
    """One SMTP connection for a batch of mails: opened on the first mail, reused for the
    next, and opened again after a failure that dropped it. A refusal of one mail (a 5xx
    for its recipient, say) leaves the connection open for the rest; a server that cannot
    be reached fails the rest of the batch at once instead of being tried for each mail."""

    def __init__(self, config: SmtpConfig) -> None:
        self._config = config
        self._client: aiosmtplib.SMTP | None = None
        self._unreachable: str | None = None

    async def send(self, mail: BuiltMail) -> None:
        """Raises aiosmtplib.SMTPException or OSError."""
        if self._unreachable is not None:
            raise ConnectionError(f"not tried, the server was unreachable: {self._unreachable}")
        client = self._client
        if client is None or not client.is_connected:
            client = await self._connect()
        try:
            await client.sendmail(
                mail.sender,
                [mail.recipient],
                mail.content,
                mail_options=["SMTPUTF8"] if mail.utf8 else None,
            )
        except OSError:  # a timeout or a dropped connection: in no state to go on
            await self.close()
            raise
        except aiosmtplib.SMTPException:  # this mail refused; the envelope was reset
            if not client.is_connected:
                self._client = None
            raise

    async def _connect(self) -> aiosmtplib.SMTP:
        target = urlsplit(self._config.url)
        tls = self._config.tls
        client = aiosmtplib.SMTP(
            hostname=target.hostname or "localhost",
            port=target.port or (465 if tls is SmtpTls.TLS else 25),
            username=unquote(target.username) if target.username else None,
            password=unquote(target.password) if target.password else None,
            use_tls=tls is SmtpTls.TLS,
            start_tls=tls is SmtpTls.STARTTLS,
            timeout=self._config.timeout,
        )
        try:
            await client.connect()
        except (aiosmtplib.SMTPException, OSError) as error:
            client.close()
            self._unreachable = f"{type(error).__name__}: {error}"
            raise
        except BaseException:
            client.close()
            raise
        self._client = client
        return client

    async def close(self) -> None:
        """QUIT politely; a connection that is already broken is just dropped."""
        client, self._client = self._client, None
        if client is None or not client.is_connected:
            return
        try:
            await client.quit()
        except (aiosmtplib.SMTPException, OSError):
            client.close()


class MailSender:
    """A BackgroundTask. Each batch of due mail goes over one SMTP connection; each mail is
    tried on its own: one that cannot be built is marked ``failed`` at once, and nothing
    about one mail stops the others in its batch."""

    name = "mail-sender"

    def __init__(
        self,
        engine: AsyncEngine,
        config: SmtpConfig,
        *,
        clock: Clock,
        wake: asyncio.Event | None = None,
    ) -> None:
        self._engine = engine
        self._config = config
        self._clock = clock
        self._wake = wake or asyncio.Event()
        self._failing = False
        self._from = sender_address(config.sender)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self._wake.clear()
            try:
                sent = await self.send_due()
            except Exception:
                logger.exception("claiming mail failed; retrying")
                sent = 0
            if sent == 0:
                await wait_any(
                    stop, self._wake, seconds=self._config.poll_interval, clock=self._clock
                )

    async def send_due(self, limit: int = 20) -> int:
        rows = await claim_due(
            self._engine,
            outgoing_mail,
            now=self._clock.now(),
            lease=timedelta(seconds=self._config.timeout * 3),
            limit=limit,
        )
        connection = SmtpConnection(self._config)
        try:
            for row in sorted(rows, key=lambda r: int(r["id"])):  # in the order they were queued
                try:
                    await self._send(row, connection)
                except Exception as error:  # one mail never blocks the rest of the batch
                    logger.exception("sending mail %s failed unexpectedly", row["id"])
                    await self._failed(row, error)
        finally:
            await connection.close()
        return len(rows)

    async def _send(self, row: RowMapping, connection: SmtpConnection) -> None:
        try:
            mail = build_mail(row, sender=self._from, now=self._clock.now())
        except UnbuildableMailError as error:
            logger.warning("mail %s cannot be built; it is marked failed: %s", row["id"], error)
            await self._update(
                row,
                state=FAILED,
                attempts=int(row["attempts"]) + 1,
                next_attempt_at=None,
                last_error=f"cannot be built: {error}"[:2000],
            )
            return
        try:
            await connection.send(mail)
        except (aiosmtplib.SMTPException, OSError) as error:
            await self._failed(row, error)
            return
        if self._failing:
            logger.warning("the SMTP server accepts mail again")
            self._failing = False
        await self._update(row, state="sent", sent_at=self._clock.now(), next_attempt_at=None)

    async def _failed(self, row: RowMapping, error: Exception) -> None:
        if not self._failing:
            logger.warning("sending mail failed; it stays queued: %s", error)
            self._failing = True
        attempts = int(row["attempts"]) + 1
        reason = f"{type(error).__name__}: {error}"[:2000]
        if attempts >= self._config.max_attempts:
            await self._update(
                row, state="dead", next_attempt_at=None, attempts=attempts, last_error=reason
            )
            return
        delay = backoff(attempts, base=self._config.retry_base, cap=self._config.retry_cap)
        await self._update(
            row, attempts=attempts, next_attempt_at=self._clock.now() + delay, last_error=reason
        )

    async def _update(self, row: RowMapping, **values: object) -> None:
        async with writer(self._engine).begin() as conn:
            await conn.execute(
                update(outgoing_mail).where(outgoing_mail.c.id == row["id"]).values(**values)
            )
