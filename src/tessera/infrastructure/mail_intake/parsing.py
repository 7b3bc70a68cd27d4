"""Raw RFC 5322 bytes to an ``InboundMail``: Python's ``email`` package (``policy.default``)
decodes headers and charsets; the quoted history of a reply is stripped by
``mail-parser-reply``; HTML is sanitised by ``nh3`` and kept beside the text."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.headerregistry import Address
from email.message import EmailMessage, Message, MIMEPart
from email.utils import getaddresses, parsedate_to_datetime

from mailparser_reply import EmailReplyParser

from tessera.domain.access.mailboxes import parse_email
from tessera.domain.errors import DomainValidationError
from tessera.domain.mail.message import InboundMail, MailPart, MalformedMailError
from tessera.domain.mail.noise import automatic_reason
from tessera.infrastructure.mail_intake.html_text import html_to_text, sanitise_html

DEFAULT_BODY_LIMIT = 256 * 1024  # bytes of decoded text (SPEC §15)
_MESSAGE_ID = re.compile(r"<[^<>\s]{1,398}>")
_REPLY_LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "sv", "da", "pl", "cs", "ja", "zh"]
_OUTLOOK_HISTORY = re.compile(
    r"^(?:-{2,}\s*Original Message\s*-{2,}|_{10,}\s*$|From: .+\n(?:Sent|Date): )",
    re.MULTILINE | re.IGNORECASE,
)
# A forwarded message is the request itself: its "quoted" part is kept.
_FORWARDED = re.compile(
    r"^(?:-{5,}\s*Forwarded message\s*-{5,}|Begin forwarded message:)",
    re.MULTILINE | re.IGNORECASE,
)
_replies = EmailReplyParser(languages=_REPLY_LANGUAGES)


def parse_mail(
    raw: bytes, *, body_limit: int = DEFAULT_BODY_LIMIT, own_addresses: Collection[str] = ()
) -> InboundMail:
    """Raises MalformedMailError with the reason: no readable sender, a structure the
    ``email`` package cannot read, or text over ``body_limit`` bytes."""
    try:
        message = message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        return _read(message, body_limit=body_limit, own_addresses=own_addresses)
    except MalformedMailError:
        raise
    except Exception as error:
        raise MalformedMailError(f"unreadable message: {type(error).__name__}") from error


def _read(message: EmailMessage, *, body_limit: int, own_addresses: Collection[str]) -> InboundMail:
    sender, sender_name = _sender(message)
    plain, html_part = _bodies(message)
    html_source = _decoded(html_part) if html_part is not None else None
    full_text = _decoded(plain) if plain is not None else html_to_text(html_source or "")
    if len(full_text.encode()) > body_limit or len((html_source or "").encode()) > 4 * body_limit:
        raise MalformedMailError(f"text over the limit of {body_limit} bytes")
    headers = {name.lower(): str(value) for name, value in message.items() if name}
    return InboundMail(
        message_id=first_id(message.get("Message-ID")),
        sender=sender,
        sender_name=sender_name,
        to=_addresses(message, "To"),
        cc=_addresses(message, "Cc"),
        delivered_to=_addresses(message, "Delivered-To", "X-Original-To", "Envelope-To"),
        subject=" ".join(str(message.get("Subject", "")).split()),
        sent_at=_date(message.get("Date")),
        in_reply_to=_ids(message.get("In-Reply-To")),
        references=_ids(message.get("References")),
        text=strip_quoted(full_text),
        full_text=full_text,
        html=sanitise_html(html_source) if html_source else None,
        attachments=tuple(_attachments(message, bodies=(plain, html_part))),
        automatic=automatic_reason(
            headers,
            sender=sender,
            content_type=message.get_content_type(),
            own_addresses=own_addresses,
        ),
    )


def strip_quoted(text: str) -> str:
    """The new part of a reply: without the quoted history and the "On ... wrote:" line,
    nor Outlook's "Original Message" block. The whole text when nothing is left, or when it
    forwards a message."""
    if _FORWARDED.search(text):
        return text.strip()
    cut = _OUTLOOK_HISTORY.search(text)
    head = text[: cut.start()] if cut else text
    reply = (_replies.parse_reply(head) or "").strip()
    return reply or head.strip() or text.strip()


def _sender(message: EmailMessage) -> tuple[str, str]:
    header = message.get("From")
    addresses: tuple[Address, ...] = getattr(header, "addresses", ()) if header else ()
    if not addresses or not addresses[0].addr_spec or "@" not in addresses[0].addr_spec:
        raise MalformedMailError("no sender: the From header has no address")
    try:
        address = parse_email(addresses[0].addr_spec, field="from")
    except DomainValidationError:
        raise MalformedMailError("no sender: the From address is not valid") from None
    return address, addresses[0].display_name


def _addresses(message: EmailMessage, *names: str) -> tuple[str, ...]:
    found: list[str] = []
    for name in names:
        for value in message.get_all(name) or ():
            for _, addr in getaddresses([str(value)]):
                try:
                    found.append(parse_email(addr, field="address"))
                except DomainValidationError:
                    continue
    return tuple(dict.fromkeys(found))


def first_id(value: object) -> str | None:
    ids = _ids(value)
    return ids[0] if ids else None


def _ids(value: object) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_MESSAGE_ID.findall(str(value)))) if value else ()


def _date(value: object) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(str(value)) if value else None
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _bodies(message: EmailMessage) -> tuple[MIMEPart | None, MIMEPart | None]:
    if message.get_content_maintype() == "multipart" and not message.is_multipart():
        raise MalformedMailError("a multipart message without parts")
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    if plain is not None and plain.get_content_disposition() == "attachment":
        plain = None
    return plain, html


def _decoded(part: Message) -> str:
    """The part's text in its declared charset; an unknown or wrong charset is read as
    Latin-1 after UTF-8, never an error (mail in the wild mislabels its charset)."""
    try:
        return str(part.get_content()).replace("\r\n", "\n")  # type: ignore[attr-defined]
    except (LookupError, UnicodeError, AssertionError):
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        try:
            return data.decode("utf-8").replace("\r\n", "\n")
        except UnicodeDecodeError:
            return data.decode("latin-1").replace("\r\n", "\n")


def _attachments(
    message: EmailMessage, *, bodies: tuple[Message | None, ...]
) -> Iterator[MailPart]:
    for part in message.walk():
        if part.is_multipart() or any(part is body for body in bodies):
            continue
        if part is message and part.get_content_maintype() == "text":
            continue
        payload = part.get_payload(decode=True)
        disposition = part.get_content_disposition()
        content_id = part.get("Content-ID")
        content = payload if isinstance(payload, bytes) else b""
        yield MailPart(
            filename=part.get_filename(),
            content_type=part.get_content_type(),
            size=len(content),
            inline=disposition == "inline" or (disposition is None and content_id is not None),
            content_id=first_id(content_id),
            content=content,
        )
