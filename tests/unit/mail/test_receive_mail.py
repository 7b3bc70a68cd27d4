"""Received mail through the use cases: each fixture ends as its manifest says, replies
thread by SPEC §15's clues in order, and no stranger's mail lands on another's ticket."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tessera.domain.tickets.status import Status
from tests.unit.mail.conftest import ADA, ADMIN, T7_SENT, TOKEN7, Channel

FIXTURES = Path(__file__).parents[2] / "fixtures" / "mail"
MANIFEST: dict[str, dict[str, Any]] = json.loads((FIXTURES / "manifest.json").read_text("utf-8"))


def mail(
    *,
    sender: str = ADA,
    subject: str = "Hello",
    body: str = "A question about my plan.",
    headers: str = "",
    message_id: str = "<m1@example.org>",
) -> bytes:
    head = (
        f"From: {sender}\r\nTo: support@support.example.com\r\n"
        f"Subject: {subject}\r\nMessage-ID: {message_id}\r\n{headers}"
    )
    return f"{head}\r\n{body}\r\n".encode()


def row(channel: Channel, message_id: int) -> Any:
    return channel.messages.rows[message_id]


@pytest.mark.parametrize("name", sorted(MANIFEST))
async def test_fixture_ends_with_its_outcome(channel: Channel, name: str) -> None:
    expect = MANIFEST[name]
    message = await channel.deliver((FIXTURES / name).read_bytes())
    assert message is not None
    await channel.drain()
    stored = row(channel, message).view
    assert stored.outcome == expect["outcome"], stored.reason
    if expect["outcome"] == "added_comment":
        assert stored.ticket_id == expect["ticket"]
        assert row(channel, message).details["threaded_by"] == expect["thread"]
        comments = [c for c in channel.store.comments.values() if c.ticket_id == stored.ticket_id]
        assert [c.author_role.value for c in comments] == ["requester"]
        assert expect["text_contains"] in comments[0].body
    elif expect["outcome"] == "created_ticket":
        assert stored.ticket_id is not None and stored.ticket_id > 8
        ticket = channel.store.tickets[stored.ticket_id]
        assert ticket.customer_email == channel.messages.rows[message].details.get(
            "sender", ticket.customer_email
        )
        assert "email" in ticket.tags
        assert not any(c.ticket_id <= 8 for c in channel.store.comments.values())
    else:
        assert stored.ticket_id is None
        assert len(channel.store.tickets) == 8
        assert not channel.store.comments


async def test_a_stranger_citing_a_ticket_number_gets_a_new_ticket_and_sees_nothing(
    channel: Channel,
) -> None:
    message = await channel.deliver(
        mail(sender="mallory@evil.example", subject="Re: [#7] Earlier request")
    )
    await channel.drain()
    stored = row(channel, message or 0).view
    assert stored.outcome == "created_ticket"
    assert stored.ticket_id != 7
    assert channel.store.tickets[stored.ticket_id].customer_email == "mallory@evil.example"
    assert not [c for c in channel.store.comments.values() if c.ticket_id == 7]


async def test_a_stranger_replying_with_a_leaked_message_id_gets_a_new_ticket(
    channel: Channel,
) -> None:
    message = await channel.deliver(
        mail(sender="mallory@evil.example", headers=f"In-Reply-To: {T7_SENT}\r\n")
    )
    await channel.drain()
    stored = row(channel, message or 0).view
    assert (stored.outcome, stored.ticket_id == 7) == ("created_ticket", False)


async def test_the_requester_citing_the_number_adds_to_the_ticket(channel: Channel) -> None:
    message = await channel.deliver(mail(subject="Re: [#7] Earlier request"))
    await channel.drain()
    assert (row(channel, message or 0).view.outcome, row(channel, message or 0).view.ticket_id) == (
        "added_comment",
        7,
    )


async def test_a_reply_to_a_reply_threads_by_the_message_id_tessera_received(
    channel: Channel,
) -> None:
    first = await channel.deliver(mail(subject="Re: [#7] x", message_id="<first@gmail.com>"))
    second = await channel.deliver(
        mail(
            subject="Another subject",
            message_id="<second@gmail.com>",
            headers="In-Reply-To: <first@gmail.com>\r\n",
        )
    )
    await channel.drain()
    assert row(channel, second or 0).view.ticket_id == 7
    assert row(channel, second or 0).details["threaded_by"] == "message_id"
    assert first is not None


async def test_the_same_message_id_twice_is_processed_once(channel: Channel) -> None:
    first = await channel.deliver(mail(message_id="<same@example.org>"))
    again = await channel.deliver(mail(message_id="<same@example.org>"))
    await channel.drain()
    assert first is not None and again is None
    outcomes = sorted(r.view.outcome or "" for r in channel.messages.rows.values())
    assert outcomes == ["created_ticket", "duplicate"]
    assert len(channel.store.tickets) == 9


async def test_a_malformed_message_is_recorded_and_the_next_one_processed(channel: Channel) -> None:
    bad = await channel.deliver(b"Subject: nobody\r\n\r\nno sender at all\r\n")
    good = await channel.deliver(mail(message_id="<after-bad@example.org>"))
    await channel.drain()
    assert row(channel, bad or 0).view.outcome == "failed"
    assert "no sender" in (row(channel, bad or 0).view.reason or "")
    assert row(channel, good or 0).view.outcome == "created_ticket"


async def test_a_reply_to_a_closed_ticket_opens_a_follow_up_linked_to_it(channel: Channel) -> None:
    channel.store.tickets[7].status = Status.CLOSED
    message = await channel.deliver(
        mail(headers=f"In-Reply-To: {T7_SENT}\r\n", body="It broke again.")
    )
    await channel.drain()
    stored = row(channel, message or 0)
    assert stored.view.outcome == "created_ticket"
    assert stored.view.ticket_id not in (None, 7)
    assert stored.details["follow_up_of"] == 7
    assert "Follow-up to ticket #7" in channel.store.tickets[stored.view.ticket_id or 0].description


async def test_the_reply_becomes_a_public_comment_without_its_quoted_history(
    channel: Channel,
) -> None:
    body = (
        "Thanks, solved.\r\n\r\nOn Tue, 1 Dec 2026, Support "
        f"<support+{TOKEN7}@support.example.com> wrote:\r\n> secret internal words\r\n"
    )
    await channel.deliver(mail(body=body, headers=f"References: {T7_SENT}\r\n"))
    await channel.drain()
    comments = await channel.services.list_comments(7, principal=ADMIN, after_id=0, limit=10)
    assert [(c.body, c.public, c.author_role) for c in comments] == [
        ("Thanks, solved.", True, "requester")
    ]


async def test_a_mail_claimed_by_one_worker_is_not_processed_by_another(channel: Channel) -> None:
    await channel.deliver(mail(message_id="<once@example.org>"))
    first = await channel.mail.process_mail(holder="a")
    second = await channel.mail.process_mail(holder="b")
    assert (first.processed, second.processed) == (1, 0)
