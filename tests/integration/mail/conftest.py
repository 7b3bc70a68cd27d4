"""The inbound channel end to end: a Dovecot of the test's own, a Tessera container over a
real database with its mail loops running (IMAP reader, LMTP server, processor)."""

from __future__ import annotations

import asyncio
import smtplib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from aioimaplib import IMAP4
from sqlalchemy import insert, select

from tessera.application.mail.manage_mailboxes import IntakeSpec, SaveMailbox
from tessera.application.ports.inbound_mail import InboundMessageView
from tessera.application.tickets.commands import CreateTicket
from tessera.bootstrap.container import Container, build_container
from tessera.bootstrap.settings import DatabaseSettings, Environment, MailSettings, Settings
from tessera.domain.access.principal import Principal, Role
from tessera.infrastructure.email.threads import join_thread
from tessera.infrastructure.persistence.tables import mail_threads, outgoing_mail
from tests.integration.mail.dovecot import PASSWORD, USER, Dovecot
from tests.servers import free_port, port_open

ADMIN = Principal(token_id=1, user_id=1, name="admin", role=Role.ADMIN)
SUPPORT = "support@support.example.com"
ADA = "ada@example.org"


async def until(check: Callable[[], Awaitable[bool]], *, within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {within} s waiting for {what}")
        await asyncio.sleep(0.05)


def mail(
    *,
    sender: str = ADA,
    to: str = SUPPORT,
    subject: str = "Printer on fire",
    message_id: str,
    headers: str = "",
    body: str = "The printer on the second floor is on fire.",
) -> bytes:
    head = f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: {message_id}\r\n"
    return f"{head}{headers}Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n".encode()


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    server = Dovecot.configure()
    server.start()
    yield server
    server.stop()
    server.cleanup()


def settings_for(database_url: str, *, lmtp_port: int) -> Settings:
    return Settings(
        env=Environment.TEST,
        database=DatabaseSettings(url=database_url),
        mail=MailSettings(
            sender=f"Support <{SUPPORT}>",
            lmtp_port=lmtp_port,
            imap_poll_seconds=60.0,  # only IDLE can deliver within a test's patience
            intake_refresh_seconds=0.2,
        ),
    )


@dataclass
class Desk:
    """One Tessera process (a container whose mail loops run) and its mailboxes."""

    container: Container
    lmtp_port: int
    dovecot: Dovecot | None
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    imap_box: int = 0
    lmtp_box: int = 0

    @property
    def mail(self) -> Any:
        assert self.container.mail is not None
        return self.container.mail.services

    def run(self) -> None:
        assert self.container.mail is not None
        self.tasks = [asyncio.create_task(t.run(self.stop)) for t in self.container.mail.tasks]

    async def halt(self) -> None:
        self.stop.set()
        await asyncio.wait_for(asyncio.gather(*self.tasks, return_exceptions=True), timeout=20)

    async def messages(self, mailbox_id: int | None = None) -> list[InboundMessageView]:
        found: list[InboundMessageView] = []
        after = 0
        while page := await self.mail.list_messages(
            mailbox_id or self.imap_box, principal=ADMIN, after_id=after, limit=100
        ):
            found.extend(page)
            after = page[-1].id
        return found

    async def processed(
        self, count: int, *, mailbox_id: int | None = None
    ) -> list[InboundMessageView]:
        async def done() -> bool:
            views = await self.messages(mailbox_id)
            return len([v for v in views if v.outcome is not None]) >= count

        await until(done, within=60, what=f"{count} messages processed")
        return sorted(await self.messages(mailbox_id), key=lambda v: v.id)

    async def ticket(self, customer: str = ADA, *, title: str = "Printer trouble") -> int:
        view = await self.container.services.create_ticket(
            CreateTicket(
                title=title, description="The printer prints blank pages.", customer_email=customer
            ),
            principal=ADMIN,
        )
        return view.id

    async def mailed(self, ticket_id: int, message_id: str) -> str:
        """What the mail consumer records when it queues a mail: the thread's token."""
        assert self.container.settings.mail is not None
        identity = self.container.settings.mail.identity()
        now = datetime.now(UTC)
        async with self.container.engine.begin() as conn:
            await join_thread(conn, identity, ticket_id=ticket_id, message_id=message_id, now=now)
            await conn.execute(
                insert(outgoing_mail).values(
                    event_id=message_id[1:37].ljust(36, "0"),
                    kind="agent_reply",
                    recipient=ADA,
                    subject="Re: Printer trouble",
                    text_body="-",
                    html_body="-",
                    state="sent",
                    attempts=1,
                    created_at=now,
                    ticket_id=ticket_id,
                    message_id=message_id,
                )
            )
            token = await conn.scalar(
                select(mail_threads.c.token).where(mail_threads.c.ticket_id == ticket_id)
            )
        assert isinstance(token, str)
        return token

    async def append(self, *messages: bytes) -> None:
        assert self.dovecot is not None
        client = IMAP4("127.0.0.1", self.dovecot.port, timeout=10)
        await client.wait_hello_from_server()
        await client.login(USER, PASSWORD)
        for raw in messages:
            response = await client.append(raw, mailbox="INBOX")
            assert response.result == "OK", response
        await client.logout()

    async def unseen(self) -> int:
        assert self.dovecot is not None
        client = IMAP4("127.0.0.1", self.dovecot.port, timeout=10)
        await client.wait_hello_from_server()
        await client.login(USER, PASSWORD)
        await client.select("INBOX")
        found = await client.uid_search("UNSEEN")
        await client.logout()
        return len(bytes(found.lines[0]).split())

    async def lmtp(self, raw: bytes, *recipients: str) -> dict[str, tuple[int, bytes]]:
        def send() -> dict[str, tuple[int, bytes]]:
            with smtplib.LMTP("127.0.0.1", self.lmtp_port) as client:
                return client.sendmail(ADA, list(recipients), raw)

        return await asyncio.to_thread(send)


async def open_desk(database_url: str, dovecot: Dovecot | None, *, mailboxes: bool = True) -> Desk:
    lmtp_port = free_port()
    container = build_container(settings_for(database_url, lmtp_port=lmtp_port))
    await container.start()
    desk = Desk(container=container, lmtp_port=lmtp_port, dovecot=dovecot)
    if mailboxes and dovecot is not None:
        imap = IntakeSpec(
            kind="imap",
            host="127.0.0.1",
            port=dovecot.port,
            tls="none",
            user=USER,
            password=PASSWORD,
        )
        desk.imap_box = (
            await desk.mail.create_mailbox(
                SaveMailbox(address=SUPPORT, group_id=None, intake=imap), principal=ADMIN
            )
        ).id
        desk.lmtp_box = (
            await desk.mail.create_mailbox(
                SaveMailbox(
                    address="help@support.example.com",
                    group_id=None,
                    intake=IntakeSpec(kind="lmtp"),
                ),
                principal=ADMIN,
            )
        ).id
    desk.run()
    await until(_listening(lmtp_port), within=10, what="the LMTP intake to listen")
    return desk


def _listening(port: int) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return port_open(port)

    return check


@pytest.fixture
async def desk(database_url: str, dovecot: Dovecot) -> AsyncIterator[Desk]:
    opened = await open_desk(database_url, dovecot)
    yield opened
    await opened.halt()
    await opened.container.close()
