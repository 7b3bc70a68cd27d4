"""What a received mail makes, through the use cases: the sender's user as requester and
author, the ``email`` channel, CC'd people as followers, the mail's parts as attachments,
the mailbox's group; and the outcome committing with the ticket or comment, once."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest

from tessera.application.mail.manage_mailboxes import IntakeSpec, SaveMailbox
from tessera.application.people.groups import CreateGroup
from tessera.application.people.organizations import CreateOrganization
from tessera.application.ports.inbound_mail import LeaseLostError, MessageResult
from tessera.domain.errors import DomainValidationError
from tessera.domain.events import DomainEvent, TicketCommented, TicketCreated
from tessera.domain.mail.message import Outcome
from tessera.domain.people.users import UserRole
from tessera.domain.tickets.values import Channel as TicketChannel
from tessera.infrastructure.memory.unit_of_work import InMemoryUnitOfWork
from tests.unit.mail.conftest import ADA, ADMIN, T7_SENT, TOKEN7, Channel
from tests.unit.mail.test_receive_mail import mail

NEWCOMER = "marie.curie@radium.example"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def multipart(*parts: str, sender: str = NEWCOMER, headers: str = "") -> bytes:
    boundary = "b0undary"
    head = (
        f"From: Marie Curie <{sender}>\r\nTo: support@support.example.com\r\n"
        f"Subject: Sample results\r\nMessage-ID: <parts@example.org>\r\n{headers}"
        f'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'
    )
    body = "".join(f"--{boundary}\r\n{part}\r\n" for part in parts)
    return f"{head}{body}--{boundary}--\r\n".encode()


TEXT_PART = "Content-Type: text/plain; charset=utf-8\r\n\r\nThe results are attached.\r\n"


def file_part(name: str, content_type: str, data: bytes, *, inline: bool = False) -> str:
    disposition = "inline" if inline else "attachment"
    cid = "Content-ID: <img1@example.org>\r\n" if inline else ""
    encoded = base64.b64encode(data).decode()
    return (
        f'Content-Type: {content_type}; name="{name}"\r\nContent-Transfer-Encoding: base64\r\n'
        f'{cid}Content-Disposition: {disposition}; filename="{name}"\r\n\r\n{encoded}\r\n'
    )


async def new_ticket(channel: Channel, raw: bytes) -> int:
    message = await channel.deliver(raw)
    await channel.drain()
    stored = channel.messages.rows[message or 0].view
    assert stored.outcome == "created_ticket", stored.reason
    assert stored.ticket_id is not None
    return stored.ticket_id


async def test_a_new_sender_becomes_a_customer_of_their_domains_organization(
    channel: Channel,
) -> None:
    organization = await channel.services.create_organization(
        CreateOrganization(name="Radium Institute", domains=("radium.example",)), principal=ADMIN
    )
    ticket_id = await new_ticket(
        channel, mail(sender=f"Marie Curie <{NEWCOMER}>", subject="Samples", body="Hello there!")
    )
    ticket = channel.store.tickets[ticket_id]
    user = next(u for u in channel.store.users.values() if u.email == NEWCOMER)
    assert (user.role, user.name, user.organization_id) == (
        UserRole.CUSTOMER,
        "Marie Curie",
        organization.id,
    )
    assert (ticket.requester_id, ticket.organization_id) == (user.id, organization.id)
    assert ticket.channel is TicketChannel.EMAIL
    created = [e for e in channel.store.events if isinstance(e, TicketCreated)]
    assert created[-1].ticket_id == ticket_id
    assert created[-1].actor == f"user:{user.id}"


async def test_a_reply_is_a_comment_by_the_senders_user(channel: Channel) -> None:
    ada = next(u for u in channel.store.users.values() if u.email == ADA)
    await channel.deliver(mail(headers=f"In-Reply-To: {T7_SENT}\r\n", body="Still broken."))
    await channel.drain()
    (comment,) = [c for c in channel.store.comments.values() if c.ticket_id == 7]
    assert comment.author_id == ada.id
    (added,) = [e for e in channel.store.events if isinstance(e, TicketCommented)]
    assert added.actor == f"user:{ada.id}"


async def test_people_a_reply_copies_in_follow_the_ticket(channel: Channel) -> None:
    ada = next(u for u in channel.store.users.values() if u.email == ADA)
    cc = f"Cc: Charles <charles@analytical.example>, {ADA}\r\n"
    await channel.deliver(mail(headers=f"In-Reply-To: {T7_SENT}\r\n{cc}", body="Adding Charles."))
    await channel.drain()
    charles = next(
        u for u in channel.store.users.values() if u.email == "charles@analytical.example"
    )
    assert channel.store.tickets[7].follower_ids == {charles.id}
    updated = [
        e
        for e in channel.store.events
        if isinstance(e, DomainEvent) and e.ticket_id == 7 and e.type == "ticket.updated"
    ]
    assert [e.actor for e in updated] == [f"user:{ada.id}"]


async def test_cc_addresses_become_followers_but_not_tessera_nor_the_sender(
    channel: Channel,
) -> None:
    cc = (
        f"Cc: Pierre <pierre@radium.example>, {NEWCOMER}, support@support.example.com,"
        f" support+{TOKEN7}@support.example.com, help@support.example.com\r\n"
    )
    await channel.mail.create_mailbox(
        SaveMailbox(
            address="help@support.example.com", group_id=None, intake=IntakeSpec(kind="lmtp")
        ),
        principal=ADMIN,
    )
    ticket_id = await new_ticket(
        channel, mail(sender=NEWCOMER, headers=cc, body="Pierre should see this too.")
    )
    ticket = channel.store.tickets[ticket_id]
    names = {channel.store.users[i].email for i in ticket.follower_ids}
    assert names == {"pierre@radium.example"}
    pierre = next(u for u in channel.store.users.values() if u.email == "pierre@radium.example")
    assert pierre.role is UserRole.CUSTOMER


async def test_attachments_and_inline_images_are_attached_to_the_new_ticket(
    channel: Channel,
) -> None:
    raw = multipart(
        TEXT_PART,
        file_part("results.csv", "text/csv", b"sample,value\nRa,226\n"),
        file_part("photo.png", "image/png", PNG, inline=True),
    )
    ticket_id = await new_ticket(channel, raw)
    files = await channel.services.ticket_attachments(ticket_id, principal=ADMIN)
    assert sorted((f.filename, f.size) for f in files) == [
        ("photo.png", len(PNG)),
        ("results.csv", 20),
    ]
    (created,) = [
        e for e in channel.store.events if isinstance(e, TicketCreated) and e.ticket_id == ticket_id
    ]
    assert sorted(a["filename"] for a in created.attachments) == ["photo.png", "results.csv"]


async def test_a_reply_s_attachment_belongs_to_its_comment(channel: Channel) -> None:
    raw = multipart(
        TEXT_PART,
        file_part("log.txt", "text/plain", b"error 42\n"),
        sender=ADA,
        headers=f"In-Reply-To: {T7_SENT}\r\n",
    )
    message = await channel.deliver(raw)
    await channel.drain()
    assert channel.messages.rows[message or 0].view.outcome == "added_comment"
    (comment,) = [c for c in channel.store.comments.values() if c.ticket_id == 7]
    (attached,) = [a for a in channel.store.attachments.values() if a.ticket_id == 7]
    assert (attached.comment_id, attached.filename, attached.public) == (
        comment.id,
        "log.txt",
        True,
    )


async def test_parts_past_the_file_limit_are_left_out_and_named_in_the_outcome(
    channel: Channel,
) -> None:
    parts = [file_part(f"f{n}.txt", "text/plain", f"file {n}\n".encode()) for n in range(5)]
    message = await channel.deliver(multipart(TEXT_PART, *parts))
    await channel.drain()
    stored = channel.messages.rows[message or 0]
    assert stored.view.outcome == "created_ticket"
    assert stored.view.reason is not None and "2 attachment(s) left out" in stored.view.reason
    dropped = stored.details["dropped_attachments"]
    assert isinstance(dropped, list)
    assert [d["filename"] for d in dropped] == ["f3.txt", "f4.txt"]
    kept = [a for a in channel.store.attachments.values() if a.ticket_id == stored.view.ticket_id]
    assert len(kept) == 3


async def test_a_new_ticket_goes_to_its_mailboxs_group(channel: Channel) -> None:
    group = await channel.services.create_group(CreateGroup(name="Billing"), principal=ADMIN)
    box = await channel.mail.create_mailbox(
        SaveMailbox(
            address="billing@support.example.com", group_id=group.id, intake=IntakeSpec(kind="lmtp")
        ),
        principal=ADMIN,
    )
    message = await channel.deliver(mail(sender=NEWCOMER), mailbox_id=box.id)
    await channel.drain()
    ticket_id = channel.messages.rows[message or 0].view.ticket_id
    assert channel.store.tickets[ticket_id or 0].group_id == group.id


async def test_a_mailbox_s_group_must_exist(channel: Channel) -> None:
    lmtp = IntakeSpec(kind="lmtp")
    with pytest.raises(DomainValidationError) as raised:
        await channel.mail.create_mailbox(
            SaveMailbox(address="x@support.example.com", group_id=404, intake=lmtp),
            principal=ADMIN,
        )
    assert "group_id" in str(raised.value.details)
    box = await channel.mail.create_mailbox(
        SaveMailbox(address="x@support.example.com", group_id=None, intake=lmtp), principal=ADMIN
    )
    with pytest.raises(DomainValidationError):
        await channel.mail.update_mailbox(
            box.id,
            SaveMailbox(address="x@support.example.com", group_id=404, intake=lmtp),
            principal=ADMIN,
        )


class WorkerDied(BaseException):
    """What a process killed mid-transaction looks like to the code after it: nothing runs."""


async def test_a_worker_dying_before_the_commit_leaves_neither_ticket_nor_outcome(
    channel: Channel, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = await channel.deliver(mail(sender=NEWCOMER, message_id="<dies@example.org>"))
    original = InMemoryUnitOfWork.commit
    recorded: list[int] = []

    async def dying_commit(self: InMemoryUnitOfWork) -> None:
        if self.inbound_messages.pending:
            recorded.append(self.inbound_messages.pending)
            raise WorkerDied
        await original(self)

    monkeypatch.setattr(InMemoryUnitOfWork, "commit", dying_commit)
    with pytest.raises(WorkerDied):
        await channel.mail.process_mail(holder="a")
    assert recorded == [1]
    assert len(channel.store.tickets) == 8
    assert channel.messages.rows[message or 0].view.outcome is None
    monkeypatch.setattr(InMemoryUnitOfWork, "commit", original)

    assert (await channel.mail.process_mail(holder="b")).processed == 0  # still leased to a
    channel.clock.advance(minutes=6)
    assert (await channel.mail.process_mail(holder="b")).processed == 1
    assert len(channel.store.tickets) == 9
    assert channel.messages.rows[message or 0].view.outcome == "created_ticket"
    channel.clock.advance(minutes=6)
    assert (await channel.mail.process_mail(holder="c")).processed == 0
    assert len(channel.store.tickets) == 9


async def test_a_worker_whose_lease_was_taken_over_writes_nothing(channel: Channel) -> None:
    message = await channel.deliver(mail(sender=NEWCOMER, message_id="<late@example.org>"))
    now = channel.clock.now()
    (claimed,) = await channel.messages.claim(
        holder="slow", now=now, lease=timedelta(minutes=5), limit=1
    )
    channel.clock.advance(minutes=6)
    assert (await channel.mail.process_mail(holder="fast")).processed == 1
    assert len(channel.store.tickets) == 9
    assert claimed.id == message
    async with InMemoryUnitOfWork(channel.store) as uow:
        with pytest.raises(LeaseLostError):
            await uow.inbound_messages.finish(
                claimed.id,
                holder="slow",
                result=MessageResult(outcome=Outcome.CREATED_TICKET, ticket_id=9),
                now=now,
            )
    assert channel.messages.rows[claimed.id].view.ticket_id == 9  # the fast worker's ticket
