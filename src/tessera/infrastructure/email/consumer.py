"""The mail consumer group: the confirmation on ``ticket.created``, and each public reply by
an agent, queued as rendered mail for the MailSender, each in its ticket's thread."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from tessera.application.events.cloudevents import CloudEvent
from tessera.application.ports.clock import Clock
from tessera.domain.mail.threading import body_marker
from tessera.infrastructure.email.identity import MailIdentity
from tessera.infrastructure.email.templates import render
from tessera.infrastructure.email.threads import join_thread
from tessera.infrastructure.persistence.engine import writer
from tessera.infrastructure.persistence.tables import outgoing_mail, tickets
from tessera.infrastructure.persistence.upserts import insert_ignoring_duplicates

_STAFF = ("agent", "admin")


class MailConsumer:
    """Idempotent: one mail per (event, kind). The SMTP server is never called here, so a
    mail server that is down delays mail but never an event or the write behind it."""

    group = "mail"

    def __init__(
        self,
        engine: AsyncEngine,
        identity: MailIdentity,
        *,
        clock: Clock,
        team: str = "Support",
        wake: asyncio.Event | None = None,
    ) -> None:
        self._engine = writer(engine)
        self._identity = identity
        self._clock = clock
        self._team = team
        self._wake = wake

    def wants(self, event_type: str) -> bool:
        return event_type in ("ticket.created", "ticket.commented")

    async def handle(self, event: CloudEvent) -> None:
        async with self._engine.begin() as conn:
            mail = await self._mail_for(conn, event)
            if mail is None:
                return
            kind, recipient, context = mail
            if await self._queued(conn, event.id, kind):  # a redelivery: the thread stays
                return
            ticket_id = event.ticket_id
            message_id = self._identity.message_id(
                ticket_id=ticket_id, event_id=event.id, kind=kind
            )
            now = self._clock.now()
            thread = await join_thread(
                conn, self._identity, ticket_id=ticket_id, message_id=message_id, now=now
            )
            # The reference lets a reply find its ticket when a mail client or provider drops
            # the Reply-To's plus tag and rewrites Message-IDs, but quotes the text.
            reference = body_marker(thread.token)
            rendered = render(kind, team=self._team, reference=reference, **context)
            await conn.execute(
                insert_ignoring_duplicates(outgoing_mail, dialect=conn.dialect.name),
                {
                    "event_id": event.id,
                    "kind": kind,
                    "recipient": recipient,
                    "subject": rendered.subject,
                    "text_body": rendered.text,
                    "html_body": rendered.html,
                    "state": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                    "ticket_id": ticket_id,
                    "message_id": message_id,
                    "in_reply_to": thread.in_reply_to,
                    "reference_ids": " ".join(thread.references) or None,
                    "reply_to": thread.reply_to,
                },
            )
        if self._wake is not None:
            self._wake.set()

    @staticmethod
    async def _queued(conn: AsyncConnection, event_id: str, kind: str) -> bool:
        query = select(outgoing_mail.c.id).where(
            outgoing_mail.c.event_id == event_id, outgoing_mail.c.kind == kind
        )
        return (await conn.scalar(query)) is not None

    async def _mail_for(
        self, conn: AsyncConnection, event: CloudEvent
    ) -> tuple[str, str, dict[str, Any]] | None:
        if event.type == "ticket.created":
            ticket = event.data["ticket"]
            context = {"ticket_id": event.ticket_id, "title": ticket["title"]}
            return "ticket_received", ticket["customer_email"], context
        data = event.data
        if not data.get("public") or data.get("author_role") not in _STAFF:
            return None
        row = (
            await conn.execute(
                select(tickets.c.title, tickets.c.customer_email).where(
                    tickets.c.id == event.ticket_id
                )
            )
        ).first()
        if row is None:  # deleted since
            return None
        context = {"ticket_id": event.ticket_id, "title": row.title, "body": data["body"]}
        return "agent_reply", row.customer_email, context
