"""A ticket's followers (people copied in on it) reply into it by mail as its requester does,
by every clue of SPEC §15; a stranger citing the same clues gets a new ticket of their own."""

from __future__ import annotations

import pytest

from tessera.domain.people.users import User
from tessera.domain.tickets.status import Status
from tests.unit.mail.conftest import ADA, ADMIN, T7_SENT, TOKEN7, Channel
from tests.unit.mail.test_receive_mail import mail

CHARLES = "charles.babbage@analytical.example"
STRANGER = "mallory@evil.example"

# Each clue that names ticket 7, as the headers, subject and body of a reply.
CLUES: dict[str, dict[str, str]] = {
    "message_id": {"headers": f"In-Reply-To: {T7_SENT}\r\n"},
    "reply_address": {"headers": f"Delivered-To: support+{TOKEN7}@support.example.com\r\n"},
    "body_token": {"body": f"Replying to all.\r\n\r\n> earlier text [ref:{TOKEN7}]"},
    "subject": {"subject": "Re: [#7] Earlier request"},
}


async def follow_ticket_7(channel: Channel) -> User:
    """Ada, the requester of ticket 7, copies Charles in: he follows it from then on."""
    await channel.deliver(
        mail(
            headers=f"In-Reply-To: {T7_SENT}\r\nCc: Charles <{CHARLES}>\r\n",
            body="Copying Charles in.",
            message_id="<ada-copies-charles@gmail.com>",
        )
    )
    await channel.drain()
    charles = next(u for u in channel.store.users.values() if u.email == CHARLES)
    assert channel.store.tickets[7].follower_ids == {charles.id}
    return charles


def reply(sender: str, clue: str, **extra: str) -> bytes:
    parts = {"body": "Replying to all: it works for me too.", **CLUES[clue], **extra}
    return mail(sender=sender, message_id=f"<{clue}-{sender}>", **parts)


@pytest.mark.parametrize("clue", sorted(CLUES))
async def test_a_followers_reply_is_their_public_comment_on_the_ticket(
    channel: Channel, clue: str
) -> None:
    charles = await follow_ticket_7(channel)
    message = await channel.deliver(reply(CHARLES, clue))
    await channel.drain()
    stored = channel.messages.rows[message or 0]
    assert (stored.view.outcome, stored.view.ticket_id) == ("added_comment", 7), stored.view.reason
    assert stored.details["threaded_by"] == clue
    assert stored.details["threaded_as"] == "follower"
    comments = await channel.services.list_comments(7, principal=ADMIN, after_id=0, limit=10)
    by_charles = [c for c in comments if c.author_id == charles.id]
    assert [(c.public, c.author_role) for c in by_charles] == [(True, "requester")]
    assert by_charles[0].body.startswith("Replying to all")
    assert len(channel.store.tickets) == 8


@pytest.mark.parametrize("clue", sorted(CLUES))
async def test_a_stranger_naming_a_ticket_by_any_clue_gets_a_new_ticket(
    channel: Channel, clue: str
) -> None:
    await follow_ticket_7(channel)
    before = len([c for c in channel.store.comments.values() if c.ticket_id == 7])
    message = await channel.deliver(reply(STRANGER, clue))
    await channel.drain()
    stored = channel.messages.rows[message or 0].view
    assert stored.outcome == "created_ticket"
    assert stored.ticket_id not in (None, 7)
    assert channel.store.tickets[stored.ticket_id or 0].customer_email == STRANGER
    assert len([c for c in channel.store.comments.values() if c.ticket_id == 7]) == before


async def test_one_who_no_longer_follows_gets_a_new_ticket(channel: Channel) -> None:
    await follow_ticket_7(channel)
    channel.store.tickets[7].follower_ids = frozenset()
    message = await channel.deliver(reply(CHARLES, "message_id"))
    await channel.drain()
    stored = channel.messages.rows[message or 0].view
    assert stored.outcome == "created_ticket"
    assert stored.ticket_id not in (None, 7)


async def test_a_follower_of_another_ticket_is_a_stranger_to_this_one(channel: Channel) -> None:
    charles = await follow_ticket_7(channel)
    channel.store.tickets[7].follower_ids = frozenset()
    channel.store.tickets[8].follower_ids = frozenset({charles.id})
    message = await channel.deliver(reply(CHARLES, "subject"))
    await channel.drain()
    assert channel.messages.rows[message or 0].view.ticket_id not in (None, 7, 8)


async def test_a_followers_reply_to_a_closed_ticket_opens_their_follow_up(
    channel: Channel,
) -> None:
    charles = await follow_ticket_7(channel)
    channel.store.tickets[7].status = Status.CLOSED
    before = len([c for c in channel.store.comments.values() if c.ticket_id == 7])
    message = await channel.deliver(reply(CHARLES, "message_id", body="It broke again."))
    await channel.drain()
    stored = channel.messages.rows[message or 0]
    assert stored.view.outcome == "created_ticket"
    assert stored.details["follow_up_of"] == 7
    follow_up = channel.store.tickets[stored.view.ticket_id or 0]
    assert follow_up.id != 7
    assert (follow_up.requester_id, follow_up.customer_email) == (charles.id, CHARLES)
    assert "Follow-up to ticket #7" in follow_up.description
    assert len([c for c in channel.store.comments.values() if c.ticket_id == 7]) == before


async def test_people_a_follower_copies_in_follow_but_not_the_requester(
    channel: Channel,
) -> None:
    charles = await follow_ticket_7(channel)
    cc = f"Cc: {ADA}, Lord Byron <byron@poetry.example>\r\n"
    message = await channel.deliver(
        reply(CHARLES, "message_id", headers=f"In-Reply-To: {T7_SENT}\r\n{cc}")
    )
    await channel.drain()
    assert channel.messages.rows[message or 0].view.outcome == "added_comment"
    byron = next(u for u in channel.store.users.values() if u.email == "byron@poetry.example")
    assert channel.store.tickets[7].follower_ids == {charles.id, byron.id}


@pytest.mark.parametrize(("follows_target", "lands_on_8"), [(True, True), (False, False)])
async def test_a_followers_reply_to_a_merged_ticket_goes_on_only_where_they_follow(
    channel: Channel, follows_target: bool, lands_on_8: bool
) -> None:
    charles = await follow_ticket_7(channel)
    channel.store.tickets[7].merged_into_id = 8
    if follows_target:
        channel.store.tickets[8].follower_ids = frozenset({charles.id})
    message = await channel.deliver(reply(CHARLES, "message_id"))
    await channel.drain()
    stored = channel.messages.rows[message or 0].view
    assert (stored.outcome == "added_comment", stored.ticket_id == 8) == (lands_on_8, lands_on_8)
    assert stored.ticket_id != 7
