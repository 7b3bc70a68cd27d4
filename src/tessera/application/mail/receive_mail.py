"""Use cases: take a message in (kept raw, deduplicated per mailbox), and process what came
in: each message once, into a new ticket or a comment on the ticket it answers."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from tessera.application.comments.add_comment import AddCommentHandler
from tessera.application.comments.commands import AddComment
from tessera.application.mail.author import MailAuthor
from tessera.application.mail.threads import MailThreader, ThreadMatch
from tessera.application.ports.clock import Clock
from tessera.application.ports.inbound_mail import (
    InboundMessageStore,
    MailReader,
    MessageResult,
    StoredMessage,
)
from tessera.application.tickets.commands import CreateTicket
from tessera.application.tickets.create_ticket import CreateTicketHandler
from tessera.domain.access.mailboxes import EmailAddress
from tessera.domain.comments.comment import BODY_MAX
from tessera.domain.errors import TesseraError
from tessera.domain.mail.message import InboundMail, MalformedMailError, Outcome
from tessera.domain.tickets.values import DESCRIPTION_MAX, DESCRIPTION_MIN, TITLE_MAX

log = logging.getLogger(__name__)

NO_SUBJECT = "(no subject)"
CHANNEL_TAG = "email"


class AcceptMailHandler:
    """Keep a delivered message; None when the mailbox already has its Message-ID.
    Raises ServiceUnavailableError (the intake then leaves the message where it was)."""

    def __init__(self, *, store: InboundMessageStore, reader: MailReader, clock: Clock) -> None:
        self._store = store
        self._reader = reader
        self._clock = clock

    async def __call__(self, *, mailbox_id: int, raw: bytes) -> int | None:
        envelope = self._reader.envelope(raw)
        return await self._store.record(
            mailbox_id=mailbox_id, raw=raw, envelope=envelope, received_at=self._clock.now()
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Drained:
    processed: int
    outcomes: tuple[Outcome, ...]


class ProcessMailHandler:
    """Claim waiting messages and turn each into its outcome. A message that fails in any
    way is recorded as ``failed`` with its reason and never stops the others. Raises
    ServiceUnavailableError only when the store itself cannot be reached."""

    def __init__(
        self,
        *,
        store: InboundMessageStore,
        reader: MailReader,
        threader: MailThreader,
        create_ticket: CreateTicketHandler,
        add_comment: AddCommentHandler,
        clock: Clock,
        lease: timedelta = timedelta(minutes=5),
    ) -> None:
        self._store = store
        self._reader = reader
        self._threader = threader
        self._create_ticket = create_ticket
        self._add_comment = add_comment
        self._clock = clock
        self._lease = lease

    async def __call__(self, *, holder: str, limit: int = 20) -> Drained:
        claimed = await self._store.claim(
            holder=holder, now=self._clock.now(), lease=self._lease, limit=limit
        )
        outcomes: list[Outcome] = []
        for message in claimed:
            result = await self._result(message)
            if await self._store.finish(
                message.id, holder=holder, result=result, now=self._clock.now()
            ):
                outcomes.append(result.outcome)
        return Drained(processed=len(outcomes), outcomes=tuple(outcomes))

    async def _result(self, message: StoredMessage) -> MessageResult:
        try:
            mail = self._reader.read(message.raw)
        except MalformedMailError as error:
            return MessageResult(outcome=Outcome.FAILED, reason=error.message)
        details = _details(mail)
        if mail.automatic is not None:
            return MessageResult(
                outcome=Outcome.IGNORED_AUTO_REPLY, reason=mail.automatic, details=details
            )
        try:
            match = await self._threader.find(mail)
            return await self._apply(mail, match, mailbox_id=message.mailbox_id, details=details)
        except TesseraError as error:
            return MessageResult(outcome=Outcome.FAILED, reason=error.message, details=details)
        except Exception as error:
            log.exception("inbound message %s could not be processed", message.id)
            reason = f"could not be processed: {type(error).__name__}"
            return MessageResult(outcome=Outcome.FAILED, reason=reason, details=details)

    async def _apply(
        self,
        mail: InboundMail,
        match: ThreadMatch | None,
        *,
        mailbox_id: int,
        details: dict[str, object],
    ) -> MessageResult:
        author = MailAuthor.of(EmailAddress(mail.sender), mailbox_id=mailbox_id)
        if match is not None and not match.closed:
            details["threaded_by"] = match.clue
            await self._add_comment(
                AddComment(ticket_id=match.ticket_id, body=_clip(mail.text, BODY_MAX)),
                principal=author,
            )
            return MessageResult(
                outcome=Outcome.ADDED_COMMENT, ticket_id=match.ticket_id, details=details
            )
        preface = ""
        if match is not None:  # a reply to a closed ticket opens its follow-up
            details["follow_up_of"] = match.ticket_id
            preface = f"Follow-up to ticket #{match.ticket_id}, which is closed.\n\n"
        ticket = await self._create_ticket(
            CreateTicket(
                title=_clip(mail.subject or NO_SUBJECT, TITLE_MAX),
                description=_description(preface + mail.text, subject=mail.subject),
                customer_email=mail.sender,
                tags=(CHANNEL_TAG,),
            ),
            principal=author,
        )
        return MessageResult(outcome=Outcome.CREATED_TICKET, ticket_id=ticket.id, details=details)


def _clip(text: str, limit: int) -> str:
    """At most ``limit`` characters; what is cut off stays in the message's raw source."""
    text = text.strip()
    if len(text) <= limit:
        return text
    marker = "\n\n[... cut: the whole message is kept with the received mail]"
    return text[: limit - len(marker)].rstrip() + marker


def _description(text: str, *, subject: str) -> str:
    text = text.strip()
    if len(text) < DESCRIPTION_MIN:
        text = f"{subject or NO_SUBJECT}\n\n{text or '(the mail had no text)'}".strip()
    if len(text) < DESCRIPTION_MIN:
        text += "\n\n(sent by e-mail)"
    return _clip(text, DESCRIPTION_MAX)


def _details(mail: InboundMail) -> dict[str, object]:
    return {
        "to": list(mail.to),
        "cc": list(mail.cc),
        "delivered_to": list(mail.delivered_to),
        "sender_name": mail.sender_name,
        "in_reply_to": list(mail.in_reply_to),
        "references": list(mail.references),
        "text": mail.text,
        "html": mail.html,
        "attachments": [
            {
                "filename": part.filename,
                "content_type": part.content_type,
                "size": part.size,
                "inline": part.inline,
                "content_id": part.content_id,
            }
            for part in mail.attachments
        ],
    }
