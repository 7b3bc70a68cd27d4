"""Use cases: take a message in (kept raw, deduplicated per mailbox), and process what came
in: each message once, into a new ticket or a comment on the ticket it answers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta

from tessera.application.attachments.claim import attach_all, claim_uploads
from tessera.application.attachments.commands import UploadFile
from tessera.application.attachments.errors import RefusedTypeError
from tessera.application.attachments.upload_file import UploadFileHandler
from tessera.application.errors import TicketNotFoundError
from tessera.application.mail.author import mail_author
from tessera.application.mail.threads import MailThreader, ThreadMatch
from tessera.application.people.directory import find_or_create
from tessera.application.ports.clock import Clock
from tessera.application.ports.inbound_mail import (
    InboundMessageStore,
    LeaseLostError,
    MailboxStore,
    MailReader,
    MessageResult,
    StoredMessage,
)
from tessera.application.ports.storage import BlobTooLargeError
from tessera.application.ports.unit_of_work import UnitOfWorkFactory
from tessera.application.retry import retrying_conflicts
from tessera.application.validation import FieldErrors
from tessera.domain.access.mailboxes import parse_email
from tessera.domain.access.principal import Principal
from tessera.domain.comments.comment import BODY_MAX, Comment, parse_body
from tessera.domain.errors import DomainValidationError, TesseraError
from tessera.domain.mail.mailbox import Mailbox
from tessera.domain.mail.message import InboundMail, MailPart, MalformedMailError, Outcome
from tessera.domain.people.users import User, UserRole
from tessera.domain.tickets.sla import SlaPolicy
from tessera.domain.tickets.ticket import Ticket, TicketChanges
from tessera.domain.tickets.values import (
    DESCRIPTION_MAX,
    DESCRIPTION_MIN,
    TITLE_MAX,
    Channel,
    Description,
    Tag,
    Title,
    parse_description,
    parse_title,
)

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


@dataclass(frozen=True, slots=True, kw_only=True)
class _People:
    author: Principal
    requester: User
    follower_ids: frozenset[int]


@dataclass(frozen=True, slots=True, kw_only=True)
class _Files:
    tokens: tuple[str, ...]
    dropped: tuple[dict[str, str], ...]


class ProcessMailHandler:
    """Claim waiting messages and turn each into its outcome. A message that fails in any
    way is recorded as ``failed`` with its reason and never stops the others. Raises
    ServiceUnavailableError only when the store itself cannot be reached.

    The sender is a user (found, or created as a customer who joins the organization of
    their domain); a new ticket is theirs (channel ``email``, the mailbox's group, CC'd
    people as followers), a reply (by the ticket's requester or one of its followers) is
    their public comment (and the people it copies in follow the ticket from then on). The
    mail's parts are attached as uploads are (their limits and refused types); a part that is
    refused is left out and named in the outcome. The outcome commits in the transaction
    that makes the ticket or comment: a worker that stops before the commit leaves neither,
    and the message is processed again once its lease runs out."""

    def __init__(
        self,
        *,
        store: InboundMessageStore,
        reader: MailReader,
        threader: MailThreader,
        uow: UnitOfWorkFactory,
        mailboxes: MailboxStore,
        upload_file: UploadFileHandler,
        clock: Clock,
        sla: SlaPolicy,
        max_files: int = 10,
        own_addresses: frozenset[str] = frozenset(),
        lease: timedelta = timedelta(minutes=5),
    ) -> None:
        self._store = store
        self._reader = reader
        self._threader = threader
        self._uow = uow
        self._mailboxes = mailboxes
        self._upload_file = upload_file
        self._clock = clock
        self._sla = sla
        self._max_files = max_files
        self._own = own_addresses
        self._lease = lease

    async def __call__(self, *, holder: str, limit: int = 20) -> Drained:
        claimed = await self._store.claim(
            holder=holder, now=self._clock.now(), lease=self._lease, limit=limit
        )
        outcomes: list[Outcome] = []
        for message in claimed:
            outcome = await self._process(message, holder=holder)
            if outcome is not None:
                outcomes.append(outcome)
        return Drained(processed=len(outcomes), outcomes=tuple(outcomes))

    async def _process(self, message: StoredMessage, *, holder: str) -> Outcome | None:
        """The outcome recorded, or None when another worker has the message now."""
        result = await self._result(message, holder=holder)
        if result is None:
            return None
        if result.outcome in (Outcome.CREATED_TICKET, Outcome.ADDED_COMMENT):
            return result.outcome  # recorded with the ticket or comment
        done = await self._store.finish(
            message.id, holder=holder, result=result, now=self._clock.now()
        )
        return result.outcome if done else None

    async def _result(self, message: StoredMessage, *, holder: str) -> MessageResult | None:
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
            return await self._apply(mail, match, message=message, holder=holder, details=details)
        except LeaseLostError:
            return None
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
        message: StoredMessage,
        holder: str,
        details: dict[str, object],
    ) -> MessageResult:
        mailbox = await self._mailboxes.get(message.mailbox_id)
        people = await self._people(mail, mailbox=mailbox)
        files = await self._files(mail, author=people.author)
        reason = _dropped_reason(files.dropped)
        if files.dropped:
            details["dropped_attachments"] = list(files.dropped)
        if match is not None and not match.closed:
            details["threaded_by"] = match.clue
            details["threaded_as"] = "follower" if match.follower else "requester"
            result = MessageResult(
                outcome=Outcome.ADDED_COMMENT,
                ticket_id=match.ticket_id,
                reason=reason,
                details=details,
            )
            await self._comment(mail, people, files, result, message=message, holder=holder)
            return result
        preface = ""
        if match is not None:  # a reply to a closed ticket opens its follow-up, the sender's
            details["follow_up_of"] = match.ticket_id
            preface = f"Follow-up to ticket #{match.ticket_id}, which is closed.\n\n"
        ticket_id = await self._ticket(
            mail,
            people,
            files,
            preface=preface,
            group_id=mailbox.group_id if mailbox is not None else None,
            message=message,
            holder=holder,
            outcome=lambda ticket_id: MessageResult(
                outcome=Outcome.CREATED_TICKET,
                ticket_id=ticket_id,
                reason=reason,
                details=details,
            ),
        )
        return MessageResult(
            outcome=Outcome.CREATED_TICKET, ticket_id=ticket_id, reason=reason, details=details
        )

    async def _people(self, mail: InboundMail, *, mailbox: Mailbox | None) -> _People:
        """The sender's user and the CC'd people's, found or created as customers (in a
        transaction of their own: finding them again, should the mail be retried, is
        harmless)."""
        own = {*self._own, *((mailbox.address,) if mailbox is not None else ())}
        cc = [
            address
            for address in mail.cc
            if address != mail.sender and address not in own and not _own_tagged(address, own)
        ]

        async def attempt() -> _People:
            now = self._clock.now()
            async with self._uow() as uow:
                requester = await find_or_create(
                    uow,
                    email=parse_email(mail.sender, field="from"),
                    name=mail.sender_name or None,
                    role=UserRole.CUSTOMER,
                    now=now,
                )
                followers = set()
                for address in cc:
                    try:
                        email = parse_email(address, field="cc")
                        user = await find_or_create(
                            uow, email=email, name=None, role=UserRole.CUSTOMER, now=now
                        )
                    except DomainValidationError:  # a look-alike of a known address
                        continue
                    followers.add(user.id)
                await uow.commit()
            return _People(
                author=mail_author(requester),
                requester=requester,
                follower_ids=frozenset(followers),
            )

        return await retrying_conflicts(attempt)

    async def _files(self, mail: InboundMail, *, author: Principal) -> _Files:
        tokens: list[str] = []
        dropped: list[dict[str, str]] = []
        for position, part in enumerate(mail.attachments):
            name = part.filename or _default_name(part, position)
            if len(tokens) >= self._max_files:
                dropped.append({"filename": name, "reason": f"more than {self._max_files} files"})
                continue
            try:
                upload = await self._upload_file(
                    UploadFile(
                        chunks=_chunks(part.content), filename=name, content_type=part.content_type
                    ),
                    principal=author,
                )
            except (BlobTooLargeError, RefusedTypeError) as error:
                dropped.append({"filename": name, "reason": error.message})
                continue
            tokens.append(upload.token)
        return _Files(tokens=tuple(tokens), dropped=tuple(dropped))

    async def _comment(
        self,
        mail: InboundMail,
        people: _People,
        files: _Files,
        result: MessageResult,
        *,
        message: StoredMessage,
        holder: str,
    ) -> None:
        author = people.author
        body = parse_body(_clip(mail.text, BODY_MAX) or "(the mail had no text)")
        ticket_id = result.ticket_id or 0

        async def attempt() -> None:
            async with self._uow() as uow:
                ticket = await uow.tickets.get(ticket_id)
                if ticket is None or not _takes_part(ticket, author):
                    raise TicketNotFoundError(ticket_id)
                now = self._clock.now()
                claimed = await claim_uploads(
                    uow, files.tokens, principal=author, now=now, limit=self._max_files
                )
                comment = Comment.write(
                    ticket_id=ticket.id, author=author, body=body, public=True, now=now
                )
                await uow.comments.add(comment)
                await attach_all(
                    uow, claimed, ticket_id=ticket.id, comment_id=comment.id, public=True
                )
                ticket.add_comment(
                    comment,
                    actor=author.actor,
                    now=now,
                    sla=self._sla,
                    attachments=tuple(f.metadata() for f in claimed),
                )
                joining = (
                    people.follower_ids
                    - {i for i in (people.requester.id, ticket.requester_id) if i is not None}
                    - ticket.follower_ids
                )
                if joining:  # the sender copied them in: they follow from now on
                    ticket.apply(
                        TicketChanges(follower_ids=ticket.follower_ids | joining),
                        actor=author.actor,
                        now=now,
                        sla=self._sla,
                    )
                await uow.tickets.save(ticket)
                await uow.inbound_messages.finish(message.id, holder=holder, result=result, now=now)
                await uow.commit()

        await retrying_conflicts(attempt)

    async def _ticket(
        self,
        mail: InboundMail,
        people: _People,
        files: _Files,
        *,
        preface: str,
        group_id: int | None,
        message: StoredMessage,
        holder: str,
        outcome: Callable[[int], MessageResult],
    ) -> int:
        author, requester = people.author, people.requester
        fields = FieldErrors()
        title = fields.take(
            lambda: parse_title(_clip(mail.subject or NO_SUBJECT, TITLE_MAX)), Title("")
        )
        description = fields.take(
            lambda: parse_description(_description(preface + mail.text, subject=mail.subject)),
            Description(""),
        )
        fields.raise_any()

        async def attempt() -> int:
            async with self._uow() as uow:
                now = self._clock.now()
                claimed = await claim_uploads(
                    uow, files.tokens, principal=author, now=now, limit=self._max_files
                )
                group = group_id
                if group is not None and await uow.groups.get(group) is None:
                    group = None  # the mailbox's group was deleted since
                ticket = Ticket.open(
                    title=title,
                    description=description,
                    customer_email=requester.email,
                    tags=frozenset({Tag(CHANNEL_TAG)}),
                    requester_id=requester.id,
                    organization_id=requester.organization_id,
                    group_id=group,
                    channel=Channel.EMAIL,
                    follower_ids=people.follower_ids - {requester.id},
                    actor=author.actor,
                    now=now,
                    sla=self._sla,
                    attachments=tuple(f.metadata() for f in claimed),
                )
                await uow.tickets.add(ticket)
                await attach_all(uow, claimed, ticket_id=ticket.id, comment_id=None, public=True)
                await uow.inbound_messages.finish(
                    message.id, holder=holder, result=outcome(ticket.id), now=now
                )
                await uow.commit()
                return ticket.id

        return await retrying_conflicts(attempt)


def _takes_part(ticket: Ticket, author: Principal) -> bool:
    """The mail's sender may add to the ticket: one who sees it (its requester, staff), or
    one of its followers (copied in on the conversation, SPEC §15)."""
    return ticket.visible_to(author) or author.user_id in ticket.follower_ids


async def _chunks(content: bytes) -> AsyncIterator[bytes]:
    yield content


def _default_name(part: MailPart, position: int) -> str:
    kind = part.content_type.partition("/")[2] or "bin"
    return f"{'inline' if part.inline else 'attachment'}-{position + 1}.{kind}"


def _own_tagged(address: str, own: set[str]) -> bool:
    """``support+<token>@domain`` is the per-ticket form of the address ``support@domain``."""
    local, _, domain = address.rpartition("@")
    base, plus, _ = local.partition("+")
    return bool(plus) and f"{base}@{domain}" in own


def _dropped_reason(dropped: tuple[dict[str, str], ...]) -> str | None:
    if not dropped:
        return None
    named = "; ".join(f"{d['filename']}: {d['reason']}" for d in dropped)
    return f"{len(dropped)} attachment(s) left out ({named})"


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
