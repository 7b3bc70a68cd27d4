""" "Reply to this e-mail" is true: the mail Tessera queues (its Message-ID, Reply-To and the
reference in its text) leads a customer's reply back to the ticket, also when the reply's
client kept none of the headers and only quoted the text."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from tessera.application.events.cloudevents import CloudEvent
from tessera.infrastructure.email.consumer import MailConsumer
from tessera.infrastructure.persistence.tables import outgoing_mail
from tests.integration.mail.conftest import ADA, SUPPORT, Desk, mail
from tests.support import FrozenClock


async def _confirmation(desk: Desk, ticket_id: int) -> tuple[str, str, str]:
    """The ``ticket_received`` mail the mail consumer queues: Message-ID, Reply-To, text."""
    assert desk.container.settings.mail is not None
    consumer = MailConsumer(
        desk.container.engine, desk.container.settings.mail.identity(), clock=FrozenClock()
    )
    await consumer.handle(
        CloudEvent(
            id=str(uuid.uuid4()),
            type="ticket.created",
            source="/tessera",
            subject=str(ticket_id),
            time=datetime.now(UTC),
            sequence=1,
            actor="token:1",
            data={"ticket": {"id": ticket_id, "title": "Printer trouble", "customer_email": ADA}},
        )
    )
    async with desk.container.engine.connect() as conn:
        row = (
            await conn.execute(
                select(
                    outgoing_mail.c.message_id, outgoing_mail.c.reply_to, outgoing_mail.c.text_body
                ).where(outgoing_mail.c.ticket_id == ticket_id)
            )
        ).one()
    return row.message_id, row.reply_to, row.text_body


def _quoted(text: str) -> str:
    return "\r\n".join(f"> {line}" for line in text.splitlines())


async def test_replies_to_the_confirmation_thread_by_each_of_its_clues(desk: Desk) -> None:
    ticket_id = await desk.ticket()
    message_id, reply_to, text = await _confirmation(desk, ticket_id)
    assert "[ref:" in text and reply_to.startswith("support+")
    await desk.append(
        mail(
            message_id="<by-id@example.org>",
            headers=f"In-Reply-To: {message_id}\r\n",
            body="One: by Message-ID.",
        ),
        mail(message_id="<by-address@example.org>", to=reply_to, body="Two: by address."),
        mail(
            message_id="<by-text@example.org>",
            to=SUPPORT,
            subject="Re: your request",
            body=f"Three: by the quoted text.\r\n\r\nOn Tue, Support wrote:\r\n{_quoted(text)}",
        ),
    )
    messages = await desk.processed(3)
    assert [(m.outcome, m.ticket_id) for m in messages] == [("added_comment", ticket_id)] * 3
