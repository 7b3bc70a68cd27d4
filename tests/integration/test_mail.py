"""E-mail notifications through a real SMTP server (aiosmtpd): who gets what, and mail that
waits while the server is down."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import insert, select

from tessera.application.comments.commands import AddComment
from tessera.application.events.cloudevents import CloudEvent
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

ADMIN = Principal(token_id=1, user_id=1, name="admin", role=Role.ADMIN)
AGENT = Principal(token_id=2, user_id=2, name="Grace", role=Role.AGENT)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        # The default policy decodes RFC 2047 encoded words, so Subject reads as it was meant.
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
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


def _ticket_created(ticket_id: int, title: str, customer_email: str) -> CloudEvent:
    """The event as the mail consumer receives it (whatever validation titles have had)."""
    return CloudEvent(
        id=str(uuid.uuid4()),
        type="ticket.created",
        source="/tessera",
        subject=str(ticket_id),
        time=datetime.now(UTC),
        sequence=1,
        actor="token:1",
        data={"ticket": {"id": ticket_id, "title": title, "customer_email": customer_email}},
    )


def _mail_consumer(container: Container) -> Any:
    return next(c for c in container.consumers if c.group == "mail")


async def test_a_title_with_a_line_separator_is_mailed_with_a_one_line_subject(
    tessera: Container, smtp: SmtpServer
) -> None:
    smtp.start()
    ticket = await tessera.services.create_ticket(
        CreateTicket(
            title="Invoice\u2028overdue",
            description="The invoice is overdue.",
            customer_email="ada@example.com",
        ),
        principal=ADMIN,
    )
    await eventually(lambda: len(smtp.inbox.messages) == 1, within=10, what="the confirmation")
    [(recipients, mail)] = smtp.inbox.messages
    assert recipients == ["ada@example.com"]
    assert mail["Subject"] == f"[#{ticket.id}] We received your request: Invoice overdue"
    text, _ = _parts(mail)
    assert "Invoice\u2028overdue" in text  # the body keeps the title as written


@pytest.mark.parametrize(
    ("title", "subject"),
    [
        ("Line\u2028separator", "Line separator"),
        ("Paragraph\u2029separator", "Paragraph separator"),
        ("Injected\r\nBcc: eve@example.com", "Injected Bcc: eve@example.com"),
        (
            "Bell\x07 escape\x1b[31m tab\t nel\x85 vt\x0b ff\x0c fs\x1c",
            "Bell escape [31m tab nel vt ff fs",
        ),
        (
            "Printer \U0001f525 on fire, caf\u00e9 \u2603 \u4e2d\u6587",
            "Printer \U0001f525 on fire, caf\u00e9 \u2603 \u4e2d\u6587",
        ),
    ],
    ids=["u2028", "u2029", "crlf", "control", "emoji-non-ascii"],
)
async def test_awkward_titles_are_delivered_with_a_correctly_encoded_subject(
    tessera: Container, smtp: SmtpServer, title: str, subject: str
) -> None:
    smtp.start()
    await _mail_consumer(tessera).handle(_ticket_created(41, title, "bo@example.com"))

    await eventually(lambda: len(smtp.inbox.messages) == 1, within=10, what="the mail")
    [(recipients, mail)] = smtp.inbox.messages
    assert recipients == ["bo@example.com"]  # nothing smuggled into the envelope
    assert mail["Subject"] == f"[#41] We received your request: {subject}"
    assert mail.get_all("Bcc") is None
    assert not mail.defects


async def test_a_mail_that_cannot_be_built_is_failed_and_the_next_one_still_goes(
    tessera: Container, smtp: SmtpServer
) -> None:
    smtp.start()
    now = datetime.now(UTC)
    async with tessera.engine.begin() as conn:  # first in the queue: claimed before the other
        broken = (
            await conn.execute(
                insert(outgoing_mail)
                .values(
                    event_id=str(uuid.uuid4()),
                    kind="ticket_received",
                    recipient="ada@example.com\r\nBcc: eve@example.com",
                    subject="[#7] We received your request: Broken",
                    text_body="Hello",
                    html_body="<p>Hello</p>",
                    state="pending",
                    attempts=0,
                    next_attempt_at=now - timedelta(minutes=1),
                    created_at=now,
                )
                .returning(outgoing_mail.c.id)
            )
        ).scalar_one()
    await _mail_consumer(tessera).handle(_ticket_created(8, "Next in line", "bo@example.com"))

    await eventually(lambda: len(smtp.inbox.messages) == 1, within=10, what="the next mail")
    [(recipients, mail)] = smtp.inbox.messages
    assert recipients == ["bo@example.com"]
    assert mail["Subject"] == "[#8] We received your request: Next in line"

    async def outcome() -> Any:
        async with tessera.engine.connect() as conn:
            query = select(outgoing_mail).where(outgoing_mail.c.id == broken)
            return (await conn.execute(query)).mappings().one()

    deadline = asyncio.get_running_loop().time() + 5
    while (row := await outcome())["state"] == "pending":
        assert asyncio.get_running_loop().time() < deadline, "the broken mail stayed pending"
        await asyncio.sleep(0.05)
    assert row["state"] == "failed"
    assert row["attempts"] == 1
    assert row["next_attempt_at"] is None  # terminal: never claimed again
    assert "cannot be built" in row["last_error"]
    assert len(smtp.inbox.messages) == 1
