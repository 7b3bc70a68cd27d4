"""Mail threads: every mail of a ticket answers the one before it and references the first.

Each mail gets a Message-ID on the mail domain, fixed when it is queued. The ticket's thread
(table ``mail_threads``) holds the first Message-ID (the root), the latest (the next mail's
parent) and a random token for the per-ticket reply address ``support+<token>@domain``: a
reply to any of these mails can be matched back to its ticket by ``In-Reply-To`` /
``References`` (``outgoing_mail.message_id``) or by the address it was sent to
(``mail_threads.token``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from tessera.infrastructure.email.identity import MailIdentity, new_token
from tessera.infrastructure.persistence.tables import mail_threads
from tessera.infrastructure.persistence.upserts import insert_ignoring_duplicates


@dataclass(frozen=True, slots=True)
class ThreadHeaders:
    reply_to: str
    in_reply_to: str | None  # None on the first mail of a ticket
    references: tuple[str, ...]  # the root and the parent (one of them when they coincide)
    token: str  # the thread's token, also quoted in the text as ``[ref:<token>]``


async def join_thread(
    conn: AsyncConnection,
    identity: MailIdentity,
    *,
    ticket_id: int,
    message_id: str,
    now: datetime,
) -> ThreadHeaders:
    """Opens the ticket's thread with ``message_id`` as its root, or appends it to the
    thread: the thread's latest mail becomes its parent, and it becomes the latest. Runs in
    the transaction that queues the mail (the thread row is locked on PostgreSQL, so mails
    of one ticket queued at once still form one chain)."""
    await conn.execute(
        insert_ignoring_duplicates(mail_threads, dialect=conn.dialect.name),
        {
            "ticket_id": ticket_id,
            "token": new_token(),
            "root_message_id": message_id,
            "last_message_id": message_id,
            "created_at": now,
        },
    )
    thread = (
        await conn.execute(
            select(mail_threads).where(mail_threads.c.ticket_id == ticket_id).with_for_update()
        )
    ).one()
    reply_to = identity.reply_address(thread.token)
    if thread.root_message_id == message_id:
        return ThreadHeaders(reply_to=reply_to, in_reply_to=None, references=(), token=thread.token)
    parent = thread.last_message_id
    await conn.execute(
        update(mail_threads)
        .where(mail_threads.c.ticket_id == ticket_id)
        .values(last_message_id=message_id)
    )
    references = tuple(dict.fromkeys((thread.root_message_id, parent)))
    return ThreadHeaders(
        reply_to=reply_to, in_reply_to=parent, references=references, token=thread.token
    )
