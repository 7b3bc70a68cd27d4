"""Which ticket a received mail answers, by SPEC §15's clues in order: the Message-IDs it
answers (mail Tessera sent, or received for a ticket), the plus tag of the reply address it
was sent to, a reference token in its text, and the subject's ``[#123]``.

The people of a ticket, its requester and its followers (those copied in), add to it by
mail, by any of the clues: a follower who answers to all is part of the conversation. A
clue that leads to a ticket the sender is not part of opens a new ticket for the sender, so
that nobody's mail lands in a conversation they are not part of. The subject's number in
particular is anybody's to type, which is why it never counts for a stranger.
"""

from __future__ import annotations

from dataclasses import dataclass

from tessera.application.ports.inbound_mail import InboundMessageStore, MailThreadIndex
from tessera.application.ports.unit_of_work import UnitOfWorkFactory
from tessera.domain.mail.message import InboundMail
from tessera.domain.mail.threading import (
    body_tokens,
    reply_token,
    subject_ticket_id,
)
from tessera.domain.tickets.status import Status


@dataclass(frozen=True, slots=True, kw_only=True)
class ThreadMatch:
    ticket_id: int
    clue: str  # message_id, reply_address, body_token or subject
    closed: bool
    follower: bool = False  # the sender follows the ticket (else they are its requester)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplyAddress:
    """The address whose plus tags carry the threads' tokens (``support+<token>@domain``)."""

    local_part: str
    domain: str


class MailThreader:
    def __init__(
        self,
        *,
        sent: MailThreadIndex,
        received: InboundMessageStore,
        uow: UnitOfWorkFactory,
        reply_address: ReplyAddress,
    ) -> None:
        self._sent = sent
        self._received = received
        self._uow = uow
        self._reply = reply_address

    async def find(self, mail: InboundMail) -> ThreadMatch | None:
        """The ticket of the sender's (as requester or follower) the mail answers, or None
        for a new ticket."""
        for clue, ticket_id in await self._candidates(mail):
            match = await self._participants(ticket_id, sender=mail.sender, clue=clue)
            if match is not None:
                return match
        return None

    async def _candidates(self, mail: InboundMail) -> list[tuple[str, int]]:
        found: list[tuple[str, int]] = []
        parents = mail.parent_ids
        if parents:
            for lookup in (
                self._sent.ticket_for_message_ids,
                self._received.ticket_for_message_ids,
            ):
                ticket_id = await lookup(parents)
                if ticket_id is not None:
                    found.append(("message_id", ticket_id))
        for address in mail.recipients:
            token = reply_token(
                address, local_part=self._reply.local_part, domain=self._reply.domain
            )
            if token is not None:
                found.extend(await self._by_token("reply_address", token))
        for token in body_tokens(f"{mail.full_text}\n{mail.html or ''}"):
            found.extend(await self._by_token("body_token", token))
        cited = subject_ticket_id(mail.subject)
        if cited is not None:
            found.append(("subject", cited))
        return found

    async def _by_token(self, clue: str, token: str) -> list[tuple[str, int]]:
        ticket_id = await self._sent.ticket_for_token(token)
        return [] if ticket_id is None else [(clue, ticket_id)]

    async def _participants(self, ticket_id: int, *, sender: str, clue: str) -> ThreadMatch | None:
        async with self._uow() as uow:
            ticket = await uow.tickets.get(ticket_id)
            if ticket is None:
                return None
            follower = ticket.customer_email != sender
            if follower:
                followers = await uow.users.get_many(ticket.follower_ids)
                if not any(user.email == sender for user in followers):
                    return None
        if ticket.merged_into_id is not None:
            # a merged ticket continues in its target, for those who take part in it too
            return await self._participants(ticket.merged_into_id, sender=sender, clue=clue)
        return ThreadMatch(
            ticket_id=ticket.id,
            clue=clue,
            closed=ticket.status is Status.CLOSED,
            follower=follower,
        )
