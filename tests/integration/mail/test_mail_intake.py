"""SPEC §15 end to end: mail appended to a real Dovecot (read over IMAP, IDLE) or delivered
over LMTP becomes tickets and comments, threaded by the rules in their order, once."""

from __future__ import annotations

import asyncio
import time
from smtplib import SMTPRecipientsRefused

import pytest
from sqlalchemy import func, select

from tessera.application.mail.manage_mailboxes import IntakeSpec, SaveMailbox
from tessera.application.ports.health import Health
from tessera.application.tickets.commands import UpdateTicket
from tessera.infrastructure.persistence.tables import comments, tickets
from tests.integration.mail.conftest import ADA, ADMIN, Desk, mail, until
from tests.servers import free_port

pytestmark = pytest.mark.slow


async def _comments_on(desk: Desk, ticket_id: int) -> list[str]:
    async with desk.container.engine.connect() as conn:
        rows = await conn.execute(
            select(comments.c.body, comments.c.author_role)
            .where(comments.c.ticket_id == ticket_id)
            .order_by(comments.c.id)
        )
        return [f"{row.author_role}: {row.body}" for row in rows]


async def _ticket_count(desk: Desk) -> int:
    async with desk.container.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(tickets)) or 0)


async def test_a_new_message_becomes_a_ticket_of_its_sender_and_is_flagged_seen(desk: Desk) -> None:
    await desk.append(mail(message_id="<new-1@example.org>"))
    (message,) = await desk.processed(1)
    assert (message.outcome, message.sender, message.subject) == (
        "created_ticket",
        ADA,
        "Printer on fire",
    )
    ticket = await desk.container.services.get_ticket(message.ticket_id or 0, principal=ADMIN)
    assert (ticket.title, ticket.customer_email) == ("Printer on fire", ADA)
    assert "second floor is on fire" in ticket.description
    await until(lambda: _none_unseen(desk), within=10, what="the message flagged seen")


async def _none_unseen(desk: Desk) -> bool:
    return await desk.unseen() == 0


@pytest.mark.parametrize("clue", ["in_reply_to", "reply_address", "body_token"])
async def test_a_reply_threads_into_its_ticket_as_the_requesters_comment(
    desk: Desk, clue: str
) -> None:
    ticket_id = await desk.ticket()
    sent = f"<t{ticket_id}.aaaabbbbccccddddeeeeffff00001111@support.example.com>"
    token = await desk.mailed(ticket_id, sent)
    reply = {
        "in_reply_to": mail(
            message_id="<r1@example.org>",
            subject="Re: x",
            headers=f"In-Reply-To: {sent}\r\n",
            body="Still broken.\r\n\r\nOn Tue, Support wrote:\r\n> quoted words",
        ),
        "reply_address": mail(
            message_id="<r2@example.org>",
            subject="Re: x",
            to=f"support+{token}@support.example.com",
            body="Still broken.",
        ),
        "body_token": mail(
            message_id="<r3@example.org>",
            subject="Re: x",
            body=f"Still broken.\r\n\r\n> On Tue, Support wrote:\r\n> [ref:{token}]",
        ),
    }[clue]
    await desk.append(reply)
    (message,) = await desk.processed(1)
    assert (message.outcome, message.ticket_id) == ("added_comment", ticket_id)
    assert await _comments_on(desk, ticket_id) == ["requester: Still broken."]


async def test_a_stranger_citing_a_ticket_number_gets_a_new_ticket(desk: Desk) -> None:
    ticket_id = await desk.ticket()
    await desk.append(
        mail(sender="mallory@evil.example", subject=f"Re: [#{ticket_id}] x", message_id="<s@evil>")
    )
    (message,) = await desk.processed(1)
    assert message.outcome == "created_ticket"
    assert message.ticket_id != ticket_id
    assert await _comments_on(desk, ticket_id) == []


async def test_an_auto_reply_is_recorded_and_makes_nothing(desk: Desk) -> None:
    ticket_id = await desk.ticket()
    await desk.append(
        mail(
            message_id="<ooo@example.org>",
            subject=f"Out of office: [#{ticket_id}]",
            headers="Auto-Submitted: auto-replied\r\n",
        )
    )
    (message,) = await desk.processed(1)
    assert (message.outcome, message.ticket_id) == ("ignored_auto_reply", None)
    assert "Auto-Submitted" in (message.reason or "")
    assert (await _ticket_count(desk), await _comments_on(desk, ticket_id)) == (1, [])


async def test_the_same_message_id_twice_is_processed_once(desk: Desk) -> None:
    await desk.append(
        mail(message_id="<twice@example.org>"), mail(message_id="<twice@example.org>")
    )
    messages = await desk.processed(2)
    assert sorted(m.outcome or "" for m in messages) == ["created_ticket", "duplicate"]
    assert await _ticket_count(desk) == 1


async def test_a_malformed_message_is_recorded_and_the_next_one_processed(desk: Desk) -> None:
    await desk.append(b"Subject: no sender\r\nMessage-ID: <bad@x>\r\n\r\nwho wrote this?\r\n")
    await desk.append(mail(message_id="<after-bad@example.org>"))
    bad, good = await desk.processed(2)
    assert (bad.outcome, good.outcome) == ("failed", "created_ticket")
    assert "no sender" in (bad.reason or "")


async def test_a_reply_to_a_closed_ticket_opens_a_follow_up(desk: Desk) -> None:
    ticket_id = await desk.ticket()
    sent = f"<t{ticket_id}.bbbbbbbbccccddddeeeeffff00001111@support.example.com>"
    await desk.mailed(ticket_id, sent)
    await desk.container.services.update_ticket(
        UpdateTicket(ticket_id=ticket_id, status="closed"), principal=ADMIN
    )
    await desk.append(mail(message_id="<late@example.org>", headers=f"In-Reply-To: {sent}\r\n"))
    (message,) = await desk.processed(1)
    assert message.outcome == "created_ticket" and message.ticket_id != ticket_id
    follow_up = await desk.container.services.get_ticket(message.ticket_id or 0, principal=ADMIN)
    assert f"Follow-up to ticket #{ticket_id}" in follow_up.description


async def test_lmtp_delivers_to_its_mailbox_and_refuses_other_recipients(desk: Desk) -> None:
    refused = await desk.lmtp(mail(message_id="<l1@example.org>"), "help+x@support.example.com")
    assert refused == {}
    (message,) = await desk.processed(1, mailbox_id=desk.lmtp_box)
    assert message.outcome == "created_ticket"
    with pytest.raises(SMTPRecipientsRefused):
        await desk.lmtp(mail(message_id="<l2@example.org>"), "nobody@support.example.com")


@pytest.mark.timing
async def test_idle_delivers_a_new_message_within_two_seconds(desk: Desk) -> None:
    await desk.append(mail(message_id="<warm-up@example.org>"))
    await desk.processed(1)  # the reader is connected and idling now
    await asyncio.sleep(0.5)
    started = time.monotonic()
    await desk.append(mail(message_id="<idle@example.org>"))

    async def recorded() -> bool:
        return len(await desk.messages()) == 2

    await until(recorded, within=10, what="the IDLE push")
    assert time.monotonic() - started < 2.0


async def test_an_unreachable_mailbox_shows_in_readiness_as_degraded(desk: Desk) -> None:
    closed = IntakeSpec(
        kind="imap",
        host="127.0.0.1",
        port=free_port(),
        tls="none",
        user="u",
        password="pw-Never-Shown",
    )
    box = await desk.mail.create_mailbox(
        SaveMailbox(address="sales@support.example.com", group_id=None, intake=closed),
        principal=ADMIN,
    )

    async def degraded() -> bool:
        results = [await check.check() for check in desk.container.services.health_checks]
        mailboxes = next(r for r in results if r.name == "mailboxes")
        return mailboxes.health is Health.DEGRADED and str(box.id) in mailboxes.details["mailboxes"]

    await until(degraded, within=15, what="the mailbox's failure in /readyz")
    results = [await check.check() for check in desk.container.services.health_checks]
    assert not any(r.health is Health.FAILED for r in results)
    assert "pw-Never-Shown" not in repr(results)
