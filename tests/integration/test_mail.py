"""E-mail notifications through a real SMTP server (aiosmtpd): who gets what, the headers and
threads a mail client reads, one connection per batch, and mail that waits while the server
is down.

One test runs the background loops as ``tessera serve`` does; the others drive a container
whose loops do not run: the relay hands the committed events to the consumers, the sender
sends what is due, and a frozen clock says when a retry is due, so nothing waits.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP
from sqlalchemy import insert, select

from tessera.application.comments.commands import AddComment
from tessera.application.events.cloudevents import CloudEvent
from tessera.application.tickets.commands import CreateTicket
from tessera.bootstrap.container import Container, Overrides, build_container
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
from tessera.infrastructure.email.sender import MailSender
from tessera.infrastructure.persistence.tables import mail_threads, outgoing_mail
from tests.integration.event_harness import eventually
from tests.servers import free_port
from tests.support import FrozenClock

ADMIN = Principal(token_id=1, user_id=1, name="admin", role=Role.ADMIN)
AGENT = Principal(token_id=2, user_id=2, name="Grace", role=Role.AGENT)


class Inbox:
    def __init__(self, refuse: frozenset[str] = frozenset()) -> None:
        self.messages: list[tuple[list[str], Message]] = []
        self.connections = 0  # opened by clients (not the controller's own start-up probe)
        self._refuse = refuse

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self._refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        # The default policy decodes RFC 2047 encoded words, so Subject reads as it was meant.
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"


class _CountingSMTP(SMTP):
    def __init__(self, inbox: Inbox, **kwargs: Any) -> None:
        super().__init__(inbox, **kwargs)
        self._inbox = inbox

    def connection_made(self, transport: Any) -> None:
        self._inbox.connections += 1
        super().connection_made(transport)


class _Controller(Controller):
    def factory(self) -> SMTP:
        inbox = self.handler
        assert isinstance(inbox, Inbox)
        return _CountingSMTP(inbox, **self.SMTP_kwargs)


class SmtpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self._controller: Controller | None = None

    def start(self, *, refuse: frozenset[str] = frozenset()) -> None:
        self.inbox = Inbox(refuse)
        self._controller = _Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        self.inbox.connections = 0  # the controller's probe has connected once by now

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    yield server
    server.stop()


MAIL_DOMAIN = "mail.acme.example"


@pytest.fixture
def settings(database_url: str, smtp: SmtpServer) -> Settings:
    return Settings(
        env=Environment.TEST,
        database=DatabaseSettings(url=database_url),
        events=EventSettings(relay_poll_seconds=0.05),
        mail=MailSettings(
            smtp_url=f"smtp://127.0.0.1:{smtp.port}",
            tls=MailTls.NONE,
            sender="Acme Support <help@acme.example>",
            domain=MAIL_DOMAIN,
            team="Acme Support",  # retries wait the default 30 s: the tests move the clock
            timeout_seconds=2,
        ),
    )


@pytest.fixture
async def tessera(settings: Settings) -> AsyncIterator[Container]:
    container = build_container(settings)
    stop = asyncio.Event()
    running = asyncio.create_task(
        run_tasks(container.serve_tasks(), stop, grace=5, clock=container.clock)
    )
    yield container
    stop.set()
    await running
    await container.close()


@pytest.fixture
async def idle_tessera(settings: Settings, clock: FrozenClock) -> AsyncIterator[Container]:
    """Nothing runs by itself: the test delivers (``_deliver``) and moves the clock."""
    container = build_container(settings, overrides=Overrides(clock=clock))
    yield container
    await container.close()


async def _deliver(container: Container) -> None:
    """Relays every committed event to the consumers, then sends every mail that is due."""
    relay = container.relay()
    while await relay.sequence() + await relay.publish():
        pass
    while await _mail_sender(container).send_due():
        pass


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
    async with tessera.engine.connect() as conn:  # the note was handled before the reply
        kinds = list(await conn.scalars(select(outgoing_mail.c.kind).order_by(outgoing_mail.c.id)))
    assert kinds == ["ticket_received", "agent_reply"]
    recipients, reply = smtp.inbox.messages[1]
    assert recipients == ["ada@example.com"]
    assert reply["Subject"] == f"Re: [#{ticket.id}] Cannot <b>log</b> in"
    text, html = _parts(reply)
    assert "Please try again now:\nthe link is fixed." in text
    assert "SSO" not in text + html


async def test_mail_waits_while_the_smtp_server_is_down_and_goes_when_it_is_back(
    idle_tessera: Container, smtp: SmtpServer, clock: FrozenClock
) -> None:
    ticket = await idle_tessera.services.create_ticket(
        CreateTicket(title="Printer", description="Out of paper.", customer_email="bo@example.com"),
        principal=ADMIN,
    )  # the write succeeds although the SMTP server is down

    async def queued() -> Any:
        async with idle_tessera.engine.connect() as conn:
            return (await conn.execute(select(outgoing_mail))).mappings().one()

    await _deliver(idle_tessera)
    failed = await queued()
    assert (failed["state"], failed["attempts"]) == ("pending", 1)
    assert failed["last_error"]
    assert failed["next_attempt_at"] > clock.now()

    smtp.start()
    await _deliver(idle_tessera)
    assert smtp.inbox.messages == []  # the retry is not due yet
    clock.current = failed["next_attempt_at"]
    await _deliver(idle_tessera)
    [(recipients, mail)] = smtp.inbox.messages
    assert recipients == ["bo@example.com"]
    assert mail["Subject"].startswith(f"[#{ticket.id}]")
    sent = await queued()
    assert (sent["state"], sent["attempts"], sent["sent_at"]) == ("sent", 1, clock.now())


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
    idle_tessera: Container, smtp: SmtpServer
) -> None:
    smtp.start()
    ticket = await idle_tessera.services.create_ticket(
        CreateTicket(
            title="Invoice\u2028overdue",
            description="The invoice is overdue.",
            customer_email="ada@example.com",
        ),
        principal=ADMIN,
    )
    await _deliver(idle_tessera)
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
    idle_tessera: Container, smtp: SmtpServer, title: str, subject: str
) -> None:
    smtp.start()
    await _mail_consumer(idle_tessera).handle(_ticket_created(41, title, "bo@example.com"))

    await _deliver(idle_tessera)
    [(recipients, mail)] = smtp.inbox.messages
    assert recipients == ["bo@example.com"]  # nothing smuggled into the envelope
    assert mail["Subject"] == f"[#41] We received your request: {subject}"
    assert mail.get_all("Bcc") is None
    assert not mail.defects


async def test_a_mail_that_cannot_be_built_is_failed_and_the_next_one_still_goes(
    idle_tessera: Container, smtp: SmtpServer, clock: FrozenClock
) -> None:
    smtp.start()
    now = clock.now()
    async with idle_tessera.engine.begin() as conn:  # first in the queue: claimed before the other
        broken = (
            await conn.execute(
                insert(outgoing_mail)
                .values(
                    event_id=str(uuid.uuid4()),
                    kind="ticket_received",
                    recipient="ada@example.com\r\nBcc: eve@example.com",
                    message_id=f"<t7.broken@{MAIL_DOMAIN}>",
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
    await _mail_consumer(idle_tessera).handle(_ticket_created(8, "Next in line", "bo@example.com"))

    assert await _mail_sender(idle_tessera).send_due() == 2  # one batch
    [(recipients, mail)] = smtp.inbox.messages
    assert recipients == ["bo@example.com"]
    assert mail["Subject"] == "[#8] We received your request: Next in line"

    async with idle_tessera.engine.connect() as conn:
        query = select(outgoing_mail).where(outgoing_mail.c.id == broken)
        row = (await conn.execute(query)).mappings().one()
    assert row["state"] == "failed"
    assert row["attempts"] == 1
    assert row["next_attempt_at"] is None  # terminal: never claimed again
    assert "cannot be built" in row["last_error"]
    clock.advance(days=1)
    assert await _mail_sender(idle_tessera).send_due() == 0
    assert len(smtp.inbox.messages) == 1


def _mail_sender(container: Container) -> MailSender:
    [sender] = [t for t in container.background_tasks if isinstance(t, MailSender)]
    return sender


_REPLY_TO = re.compile(rf"help\+([a-z2-7]{{16}})@{re.escape(MAIL_DOMAIN)}")


def _message_id(mail: Message) -> str:
    value = str(mail["Message-ID"])
    assert re.fullmatch(rf"<[^<>@\s]+@{re.escape(MAIL_DOMAIN)}>", value), value
    return value


def _references(mail: Message) -> list[str]:
    return str(mail.get("References", "")).split()


def _reply_token(mail: Message) -> str:
    header: Any = mail["Reply-To"]  # an AddressHeader under policy.default
    [address] = header.addresses
    assert address.display_name == "Acme Support"
    match = _REPLY_TO.fullmatch(address.addr_spec)
    assert match is not None, address.addr_spec
    return match.group(1)


def _assert_a_good_citizen(mail: Message, *, date: datetime) -> None:
    assert not mail.defects
    assert mail["From"] == "Acme Support <help@acme.example>"
    header: Any = mail["Date"]  # a DateHeader under policy.default
    assert header.datetime == date
    assert header.datetime.utcoffset() == timedelta(0)
    _message_id(mail)
    _reply_token(mail)
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["X-Auto-Response-Suppress"] == "OOF, AutoReply"
    assert mail.get_content_type() == "multipart/alternative"
    parts: Any = mail.get_payload()  # the alternatives, in order of preference (last best)
    assert [part.get_content_type() for part in parts] == ["text/plain", "text/html"]


async def test_the_mails_of_a_ticket_form_one_thread_and_another_ticket_has_its_own(
    idle_tessera: Container, smtp: SmtpServer, clock: FrozenClock
) -> None:
    smtp.start()
    services, sent_at = idle_tessera.services, []

    async def mailed() -> None:
        await _deliver(idle_tessera)
        sent_at.append(clock.now())
        assert len(smtp.inbox.messages) == len(sent_at)
        clock.advance(minutes=7)

    first = await services.create_ticket(
        CreateTicket(
            title="VPN drops", description="Every hour.", customer_email="ada@example.com"
        ),
        principal=ADMIN,
    )
    await mailed()
    for body in ("Which client version?", "Fixed in 2.4, please update."):
        await services.add_comment(AddComment(ticket_id=first.id, body=body), principal=AGENT)
        await mailed()
    other = await services.create_ticket(
        CreateTicket(
            title="New laptop", description="Mine broke.", customer_email="bo@example.com"
        ),
        principal=ADMIN,
    )
    await mailed()
    await services.add_comment(AddComment(ticket_id=other.id, body="Ordered."), principal=AGENT)
    await mailed()

    mails = [mail for _, mail in smtp.inbox.messages]
    for mail, when in zip(mails, sent_at, strict=True):
        _assert_a_good_citizen(mail, date=when)
    ids = [_message_id(mail) for mail in mails]
    assert len(set(ids)) == 5
    received, reply, second_reply, other_received, other_reply = mails
    assert received["In-Reply-To"] is None  # the root of the first ticket's thread
    assert received["References"] is None
    assert reply["In-Reply-To"] == ids[0]
    assert _references(reply) == [ids[0]]
    assert second_reply["In-Reply-To"] == ids[1]  # its parent
    assert _references(second_reply) == [ids[0], ids[1]]  # the root, then the parent
    assert other_received["In-Reply-To"] is None  # a thread of its own
    assert other_received["References"] is None
    assert other_reply["In-Reply-To"] == ids[3]
    assert _references(other_reply) == [ids[3]]

    tokens = [_reply_token(mail) for mail in mails]
    assert tokens[0] == tokens[1] == tokens[2]
    assert tokens[3] == tokens[4]
    assert tokens[0] != tokens[3]

    async with idle_tessera.engine.connect() as conn:  # what an inbound reply is matched by
        sent = (
            await conn.execute(select(outgoing_mail.c.message_id, outgoing_mail.c.ticket_id))
        ).all()
        threads = (await conn.execute(select(mail_threads.c.token, mail_threads.c.ticket_id))).all()
    assert dict(sent) == dict(zip(ids, [first.id] * 3 + [other.id] * 2, strict=True))
    assert dict(threads) == {tokens[0]: first.id, tokens[3]: other.id}


async def test_a_batch_of_mail_goes_over_one_smtp_connection(
    idle_tessera: Container, smtp: SmtpServer
) -> None:
    smtp.start()
    consumer, sender = _mail_consumer(idle_tessera), _mail_sender(idle_tessera)
    recipients = [f"customer{n}@example.com" for n in range(5)]
    for n, recipient in enumerate(recipients):
        await consumer.handle(_ticket_created(60 + n, f"Request {n}", recipient))

    assert await sender.send_due() == 5
    assert [rcpt for rcpt, _ in smtp.inbox.messages] == [[r] for r in recipients]
    assert smtp.inbox.connections == 1

    await consumer.handle(_ticket_created(70, "Later", "late@example.com"))
    assert await sender.send_due() == 1
    assert smtp.inbox.connections == 2  # the first batch's connection was closed after it
    assert await sender.send_due() == 0
    assert smtp.inbox.connections == 2  # nothing due: no connection at all


async def test_a_refused_recipient_fails_its_mail_and_the_batch_keeps_the_connection(
    idle_tessera: Container, smtp: SmtpServer
) -> None:
    smtp.start(refuse=frozenset({"gone@example.com"}))
    consumer, sender = _mail_consumer(idle_tessera), _mail_sender(idle_tessera)
    for n, recipient in enumerate(("ada@example.com", "gone@example.com", "bo@example.com")):
        await consumer.handle(_ticket_created(80 + n, f"Request {n}", recipient))

    assert await sender.send_due() == 3
    assert [rcpt for rcpt, _ in smtp.inbox.messages] == [["ada@example.com"], ["bo@example.com"]]
    assert smtp.inbox.connections == 1
    async with idle_tessera.engine.connect() as conn:
        query = select(outgoing_mail).where(outgoing_mail.c.recipient == "gone@example.com")
        refused = (await conn.execute(query)).mappings().one()
    assert refused["state"] == "pending"  # retried later, like any SMTP failure
    assert refused["attempts"] == 1
    assert "550" in refused["last_error"]


async def test_a_server_that_refuses_connections_is_tried_once_for_the_whole_batch(
    idle_tessera: Container, smtp: SmtpServer
) -> None:
    connections = 0

    async def refuse(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        writer.write(b"554 5.3.2 Not accepting mail now\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(refuse, "127.0.0.1", smtp.port)
    try:
        for n in range(3):
            await _mail_consumer(idle_tessera).handle(
                _ticket_created(90 + n, f"Request {n}", f"customer{n}@example.com")
            )
        assert await _mail_sender(idle_tessera).send_due() == 3
    finally:
        server.close()
        await server.wait_closed()
    assert connections == 1
    async with idle_tessera.engine.connect() as conn:
        query = select(outgoing_mail).order_by(outgoing_mail.c.id)
        rows = (await conn.execute(query)).mappings().all()
    assert [(r["state"], r["attempts"]) for r in rows] == [("pending", 1)] * 3  # all retried
    assert all("554" in r["last_error"] for r in rows)


def _agent_replied(ticket_id: int, body: str) -> CloudEvent:
    return CloudEvent(
        id=str(uuid.uuid4()),
        type="ticket.commented",
        source="/tessera",
        subject=str(ticket_id),
        time=datetime.now(UTC),
        sequence=2,
        actor="token:2",
        data={"body": body, "public": True, "author_role": "agent"},
    )


async def test_mails_of_one_ticket_queued_at_once_still_form_one_chain(
    idle_tessera: Container,
) -> None:
    ticket = await idle_tessera.services.create_ticket(
        CreateTicket(
            title="Outage", description="Everything is down.", customer_email="ada@example.com"
        ),
        principal=ADMIN,
    )
    consumer = _mail_consumer(idle_tessera)
    await consumer.handle(_ticket_created(ticket.id, "Outage", "ada@example.com"))
    await asyncio.gather(
        *(consumer.handle(_agent_replied(ticket.id, f"Update {n}")) for n in range(6))
    )

    async with idle_tessera.engine.connect() as conn:
        query = select(outgoing_mail.c.message_id, outgoing_mail.c.in_reply_to)
        parent_of = dict((await conn.execute(query)).all())
        last = await conn.scalar(select(mail_threads.c.last_message_id))
    chain = [last]
    while parent_of[chain[-1]] is not None:  # walk back from the latest to the root
        chain.append(parent_of[chain[-1]])
    assert len(chain) == 7  # every mail on one line: no two answer the same parent
    assert set(chain) == set(parent_of)
