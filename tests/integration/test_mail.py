"""E-mail notifications through a real SMTP server (aiosmtpd): who gets what, and mail that
waits while the server is down."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from tessera.application.comments.commands import AddComment
from tessera.application.tickets.commands import CreateTicket
from tessera.bootstrap.container import Container, build_container
from tessera.bootstrap.events import run_tasks
from tessera.bootstrap.settings import (
    DatabaseSettings,
    Environment,
    EventSettings,
    MailSettings,
    MailTls,
    Settings,
)
from tessera.domain.access.principal import Principal, Role
from tessera.infrastructure.persistence.tables import outgoing_mail
from tests.integration.event_harness import eventually
from tests.servers import free_port

ADMIN = Principal(token_id=1, name="admin", role=Role.ADMIN)
AGENT = Principal(token_id=2, name="Grace", role=Role.AGENT)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 OK"


class SmtpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    yield server
    server.stop()


@pytest.fixture
async def tessera(database_url: str, smtp: SmtpServer) -> AsyncIterator[Container]:
    settings = Settings(
        env=Environment.TEST,
        database=DatabaseSettings(url=database_url),
        events=EventSettings(relay_poll_seconds=0.05),
        mail=MailSettings(
            smtp_url=f"smtp://127.0.0.1:{smtp.port}",
            tls=MailTls.NONE,
            sender="Acme Support <help@acme.example>",
            team="Acme Support",
            retry_seconds=0.2,
            timeout_seconds=2,
        ),
    )
    container = build_container(settings)
    stop = asyncio.Event()
    running = asyncio.create_task(run_tasks(container.serve_tasks(), stop, grace=5))
    yield container
    stop.set()
    await running
    await container.close()


def _parts(message: Message) -> tuple[str, str]:
    text = html = ""
    for part in message.walk():
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        if part.get_content_type() == "text/plain":
            text = payload.decode().replace("\r\n", "\n")
        elif part.get_content_type() == "text/html":
            html = payload.decode()
    return text, html


async def test_the_customer_gets_a_confirmation_and_public_agent_replies(
    tessera: Container, smtp: SmtpServer
) -> None:
    smtp.start()
    ticket = await tessera.services.create_ticket(
        CreateTicket(
            title="Cannot <b>log</b> in",
            description="The reset link is broken.",
            customer_email="ada@example.com",
        ),
        principal=ADMIN,
    )
    await eventually(lambda: len(smtp.inbox.messages) == 1, within=10, what="the confirmation")
    recipients, confirmation = smtp.inbox.messages[0]
    assert recipients == ["ada@example.com"]
    assert (
        confirmation["Subject"] == f"[#{ticket.id}] We received your request: Cannot <b>log</b> in"
    )
    assert confirmation["From"] == "Acme Support <help@acme.example>"
    text, html = _parts(confirmation)
    assert f"opened ticket #{ticket.id}" in text
    assert "Cannot &lt;b&gt;log&lt;/b&gt; in" in html  # escaped in HTML

    for command in (
        AddComment(ticket_id=ticket.id, body="Internal: check the SSO logs.", public=False),
        AddComment(ticket_id=ticket.id, body="Please try again now:\nthe link is fixed."),
    ):
        await tessera.services.add_comment(command, principal=AGENT)
    await eventually(lambda: len(smtp.inbox.messages) == 2, within=10, what="the reply")
    await asyncio.sleep(0.5)  # the internal note must not follow
    assert len(smtp.inbox.messages) == 2
    recipients, reply = smtp.inbox.messages[1]
    assert recipients == ["ada@example.com"]
    assert reply["Subject"] == f"Re: [#{ticket.id}] Cannot <b>log</b> in"
    text, html = _parts(reply)
    assert "Please try again now:\nthe link is fixed." in text
    assert "SSO" not in text + html


async def test_mail_waits_while_the_smtp_server_is_down_and_goes_when_it_is_back(
    tessera: Container, smtp: SmtpServer
) -> None:
    ticket = await tessera.services.create_ticket(
        CreateTicket(title="Printer", description="Out of paper.", customer_email="bo@example.com"),
        principal=ADMIN,
    )  # the write succeeds although the SMTP server is down

    async def failed_attempts() -> int:
        async with tessera.engine.connect() as conn:
            row = (await conn.execute(select(outgoing_mail))).mappings().first()
        return int(row["attempts"]) if row and row["state"] == "pending" else 0

    deadline = asyncio.get_running_loop().time() + 10
    while await failed_attempts() == 0:
        assert asyncio.get_running_loop().time() < deadline, "no attempt was made"
        await asyncio.sleep(0.1)

    smtp.start()
    await eventually(lambda: len(smtp.inbox.messages) == 1, within=15, what="the retried mail")
    assert smtp.inbox.messages[0][1]["Subject"].startswith(f"[#{ticket.id}]")

    async def state() -> str | None:
        async with tessera.engine.connect() as conn:
            return await conn.scalar(select(outgoing_mail.c.state))

    deadline = asyncio.get_running_loop().time() + 5
    while await state() != "sent":  # recorded just after the server took it
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.05)
