"""SPEC §13 and §15 end to end over LMTP and PostgreSQL: a mail's sender is a customer user
(requester of the new ticket, author of the reply), its CC'd people follow, its parts are
attached (a refused or oversized part is left out and named), the ticket has channel
``email`` and the mailbox's group; and a worker that dies before its commit leaves neither
a ticket nor an outcome, so the message is made into exactly one ticket."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select, update

from tessera.application.mail.manage_mailboxes import IntakeSpec, SaveMailbox
from tessera.application.people.groups import CreateGroup
from tessera.application.people.organizations import CreateOrganization
from tessera.bootstrap.container import build_container
from tessera.bootstrap.settings import StorageSettings
from tessera.infrastructure.persistence.inbound_outcomes import SqlAlchemyInboundOutcomes
from tessera.infrastructure.persistence.tables import (
    attachments,
    comments,
    inbound_messages,
    outbox,
    tickets,
    users,
)
from tests.integration.mail.conftest import ADA, ADMIN, Desk, mail, settings_for, until
from tests.servers import free_port, port_open

pytestmark = pytest.mark.slow

HELP = "help@support.example.com"
MARIE = "marie@radium.example"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def _part(name: str, content_type: str, data: bytes, *, inline: bool = False) -> str:
    disposition = "inline" if inline else "attachment"
    cid = "Content-ID: <logo@radium.example>\r\n" if inline else ""
    return (
        f'Content-Type: {content_type}; name="{name}"\r\nContent-Transfer-Encoding: base64\r\n'
        f'{cid}Content-Disposition: {disposition}; filename="{name}"\r\n\r\n'
        f"{base64.encodebytes(data).decode().replace(chr(10), chr(13) + chr(10))}"
    )


def _multipart(*parts: str, message_id: str, headers: str = "") -> bytes:
    head = (
        f"From: Marie Curie <{MARIE}>\r\nTo: {HELP}\r\nSubject: Sample results\r\n"
        f"Message-ID: {message_id}\r\n{headers}MIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b0"\r\n\r\n'
    )
    body = "".join(f"--b0\r\n{p}\r\n" for p in parts)
    return f"{head}{body}--b0--\r\n".encode()


TEXT = "Content-Type: text/plain; charset=utf-8\r\n\r\nThe results are attached.\r\n"


@pytest.fixture
async def lmtp_desk(database_url: str, tmp_path: Path) -> AsyncIterator[Desk]:
    port = free_port()
    settings = settings_for(database_url, lmtp_port=port).model_copy(
        update={
            "storage": StorageSettings(
                directory=tmp_path / "files",
                max_file_bytes=2048,
                refused_types=["application/x-msdownload"],
            )
        }
    )
    container = build_container(settings)
    await container.start()
    desk = Desk(container=container, lmtp_port=port, dovecot=None)
    desk.lmtp_box = (
        await desk.mail.create_mailbox(
            SaveMailbox(address=HELP, group_id=None, intake=IntakeSpec(kind="lmtp")),
            principal=ADMIN,
        )
    ).id
    desk.run()

    async def listening() -> bool:
        return port_open(port)

    await until(listening, within=10, what="the LMTP intake to listen")
    yield desk
    await desk.halt()
    await container.close()


async def _user_id(desk: Desk, email: str) -> int:
    async with desk.container.engine.connect() as conn:
        found = await conn.scalar(select(users.c.id).where(users.c.email == email))
    assert isinstance(found, int), email
    return found


async def test_a_new_mail_is_a_ticket_of_its_sender_with_followers_files_and_group(
    lmtp_desk: Desk,
) -> None:
    desk = lmtp_desk
    services = desk.container.services
    organization = await services.create_organization(
        CreateOrganization(name="Radium Institute", domains=("radium.example",)), principal=ADMIN
    )
    group = await services.create_group(CreateGroup(name="Laboratory"), principal=ADMIN)
    await desk.mail.update_mailbox(
        desk.lmtp_box,
        SaveMailbox(address=HELP, group_id=group.id, intake=IntakeSpec(kind="lmtp")),
        principal=ADMIN,
    )
    raw = _multipart(
        TEXT,
        _part("results.csv", "text/csv", b"sample,value\nRa,226\n"),
        _part("logo.png", "image/png", PNG, inline=True),
        _part("setup.exe", "application/x-msdownload", b"MZ" + bytes(64)),
        _part("huge.bin", "application/octet-stream", bytes(4096)),
        message_id="<samples@radium.example>",
        headers=f"Cc: Pierre <pierre@radium.example>, {HELP}, support@support.example.com\r\n",
    )
    assert await desk.lmtp(raw, HELP) == {}
    (message,) = await desk.processed(1, mailbox_id=desk.lmtp_box)
    assert message.outcome == "created_ticket"
    assert message.reason is not None
    assert "setup.exe" in message.reason and "huge.bin" in message.reason
    ticket = await services.get_ticket(message.ticket_id or 0, principal=ADMIN)
    marie, pierre = await _user_id(desk, MARIE), await _user_id(desk, "pierre@radium.example")
    assert (ticket.requester_id, ticket.customer_email, ticket.channel) == (marie, MARIE, "email")
    assert (ticket.organization_id, ticket.group_id) == (organization.id, group.id)
    assert ticket.follower_ids == (pierre,)
    async with desk.container.engine.connect() as conn:
        customers = (
            await conn.execute(
                select(users.c.role, users.c.organization_id).where(users.c.id.in_([marie, pierre]))
            )
        ).all()
        files = (
            await conn.execute(
                select(attachments.c.filename, attachments.c.uploader_id).where(
                    attachments.c.ticket_id == ticket.id
                )
            )
        ).all()
        actors = set(
            (
                await conn.scalars(select(outbox.c.actor).where(outbox.c.ticket_id == ticket.id))
            ).all()
        )
        channel = await conn.scalar(select(tickets.c.channel).where(tickets.c.id == ticket.id))
    assert sorted(customers) == [("customer", organization.id)] * 2
    assert sorted(files) == [("logo.png", marie), ("results.csv", marie)]
    assert actors == {f"user:{marie}"}
    assert channel == "email"


async def test_a_reply_is_a_comment_by_the_senders_user(lmtp_desk: Desk) -> None:
    desk = lmtp_desk
    ticket_id = await desk.ticket(ADA)
    token = await desk.mailed(ticket_id, "<sent-1@support.example.com>")
    raw = mail(
        to=f"support+{token}@support.example.com",
        message_id="<reply-1@example.org>",
        body="It works again, thank you.",
    )
    assert await desk.lmtp(raw, HELP) == {}
    (message,) = await desk.processed(1, mailbox_id=desk.lmtp_box)
    assert (message.outcome, message.ticket_id) == ("added_comment", ticket_id)
    ada = await _user_id(desk, ADA)
    async with desk.container.engine.connect() as conn:
        authors = (
            await conn.execute(
                select(comments.c.author_id, comments.c.author_role).where(
                    comments.c.ticket_id == ticket_id
                )
            )
        ).all()
        actor = await conn.scalar(
            select(outbox.c.actor).where(
                outbox.c.ticket_id == ticket_id, outbox.c.event_type == "ticket.commented"
            )
        )
    assert authors == [(ada, "requester")]
    assert actor == f"user:{ada}"


class WorkerDied(BaseException):
    """A process killed between its writes and its commit: nothing after it runs."""


async def test_a_worker_dying_before_its_commit_leaves_one_ticket_after_the_lease(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(database_url, lmtp_port=free_port()).model_copy(
        update={"storage": StorageSettings(directory=tmp_path / "files")}
    )
    container = build_container(settings)  # its mail loops are not run: the test drives them
    await container.start()
    try:
        assert container.mail is not None
        mail_services = container.mail.services
        box = await mail_services.create_mailbox(
            SaveMailbox(address=HELP, group_id=None, intake=IntakeSpec(kind="lmtp")),
            principal=ADMIN,
        )
        message_id = await mail_services.accept_mail(
            mailbox_id=box.id, raw=mail(sender=MARIE, message_id="<once@radium.example>")
        )
        assert message_id is not None
        original = SqlAlchemyInboundOutcomes.finish
        calls = 0

        async def dies_after_writing(
            self: SqlAlchemyInboundOutcomes, *args: object, **kw: object
        ) -> None:
            nonlocal calls
            calls += 1
            await original(self, *args, **kw)  # type: ignore[arg-type]
            raise WorkerDied

        monkeypatch.setattr(SqlAlchemyInboundOutcomes, "finish", dies_after_writing)
        with pytest.raises(WorkerDied):
            await mail_services.process_mail(holder="dies")
        monkeypatch.setattr(SqlAlchemyInboundOutcomes, "finish", original)
        assert calls == 1

        async def state() -> tuple[int, object, object]:
            async with container.engine.connect() as conn:
                count = len((await conn.scalars(select(tickets.c.id))).all())
                row = (
                    await conn.execute(
                        select(inbound_messages.c.outcome, inbound_messages.c.ticket_id).where(
                            inbound_messages.c.id == message_id
                        )
                    )
                ).one()
            return count, row.outcome, row.ticket_id

        assert await state() == (0, None, None)
        assert (await mail_services.process_mail(holder="next")).processed == 0  # still leased
        async with container.engine.begin() as conn:  # the dead worker's lease runs out
            await conn.execute(update(inbound_messages).values(lease_until=None))
        assert (await mail_services.process_mail(holder="next")).processed == 1
        count, outcome, ticket_id = await state()
        assert (count, outcome) == (1, "created_ticket") and ticket_id is not None
        async with container.engine.begin() as conn:
            await conn.execute(update(inbound_messages).values(lease_until=None))
        assert (await mail_services.process_mail(holder="later")).processed == 0
        assert await state() == (1, "created_ticket", ticket_id)
    finally:
        await container.close()


CHARLES = "charles@analytical.example"


async def _copy_charles_in(desk: Desk) -> tuple[int, str]:
    """Ada's ticket, with a mail Tessera sent for it, and Ada's reply copying Charles in."""
    ticket_id = await desk.ticket(ADA)
    token = await desk.mailed(ticket_id, "<sent-2@support.example.com>")
    raw = mail(
        to=f"support+{token}@support.example.com",
        message_id="<ada-copies-charles@example.org>",
        headers=f"Cc: Charles <{CHARLES}>\r\n",
        body="Charles sees the same.",
    )
    assert await desk.lmtp(raw, HELP) == {}
    (message,) = await desk.processed(1, mailbox_id=desk.lmtp_box)
    assert (message.outcome, message.ticket_id) == ("added_comment", ticket_id)
    return ticket_id, token


async def test_a_followers_reply_all_is_their_comment_and_a_strangers_a_new_ticket(
    lmtp_desk: Desk,
) -> None:
    desk = lmtp_desk
    ticket_id, token = await _copy_charles_in(desk)
    follower = mail(
        sender=f"Charles <{CHARLES}>",
        to=f"support+{token}@support.example.com",
        subject=f"Re: [#{ticket_id}] Printer trouble",
        message_id="<charles-reply@analytical.example>",
        headers="In-Reply-To: <sent-2@support.example.com>\r\n",
        body="Here too, since this morning.",
    )
    stranger = mail(
        sender="mallory@evil.example",
        to=f"support+{token}@support.example.com",
        subject=f"Re: [#{ticket_id}] Printer trouble",
        message_id="<mallory@evil.example>",
        headers="In-Reply-To: <sent-2@support.example.com>\r\n",
        body="Let me in on this one.",
    )
    assert await desk.lmtp(follower, HELP) == {}
    assert await desk.lmtp(stranger, HELP) == {}
    _, by_charles, by_mallory = await desk.processed(3, mailbox_id=desk.lmtp_box)
    assert (by_charles.outcome, by_charles.ticket_id) == ("added_comment", ticket_id)
    assert by_mallory.outcome == "created_ticket"
    assert by_mallory.ticket_id not in (None, ticket_id)
    ada, charles = await _user_id(desk, ADA), await _user_id(desk, CHARLES)
    async with desk.container.engine.connect() as conn:
        written = (
            await conn.execute(
                select(comments.c.author_id, comments.c.public, comments.c.body)
                .where(comments.c.ticket_id == ticket_id)
                .order_by(comments.c.id)
            )
        ).all()
        actors = (
            await conn.scalars(
                select(outbox.c.actor)
                .where(outbox.c.ticket_id == ticket_id, outbox.c.event_type == "ticket.commented")
                .order_by(outbox.c.id)
            )
        ).all()
    assert written == [
        (ada, True, "Charles sees the same."),
        (charles, True, "Here too, since this morning."),
    ]
    assert actors == [f"user:{ada}", f"user:{charles}"]
    ticket = await desk.container.services.get_ticket(ticket_id, principal=ADMIN)
    assert ticket.follower_ids == (charles,)


async def test_a_followers_reply_to_a_closed_ticket_opens_their_follow_up(
    lmtp_desk: Desk,
) -> None:
    desk = lmtp_desk
    ticket_id, token = await _copy_charles_in(desk)
    async with desk.container.engine.begin() as conn:
        await conn.execute(update(tickets).where(tickets.c.id == ticket_id).values(status="closed"))
    raw = mail(
        sender=CHARLES,
        to=f"support+{token}@support.example.com",
        message_id="<charles-again@analytical.example>",
        body="It is on fire again.",
    )
    assert await desk.lmtp(raw, HELP) == {}
    _, message = await desk.processed(2, mailbox_id=desk.lmtp_box)
    assert message.outcome == "created_ticket"
    assert message.ticket_id not in (None, ticket_id)
    follow_up = await desk.container.services.get_ticket(message.ticket_id or 0, principal=ADMIN)
    charles = await _user_id(desk, CHARLES)
    assert (follow_up.requester_id, follow_up.customer_email) == (charles, CHARLES)
    assert follow_up.description.startswith(f"Follow-up to ticket #{ticket_id}")
