"""A received mail as Tessera reads it: who wrote, to whom, in answer to what, and its text."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from tessera.domain.errors import TesseraError


class Outcome(StrEnum):
    """What became of a received message (SPEC §15)."""

    CREATED_TICKET = "created_ticket"
    ADDED_COMMENT = "added_comment"
    IGNORED_AUTO_REPLY = "ignored_auto_reply"
    DUPLICATE = "duplicate"
    FAILED = "failed"


class MalformedMailError(TesseraError):
    """The message cannot be read as a mail Tessera could answer (no sender, unreadable
    structure, text over the limit); ``message`` is the reason recorded with it."""

    code = "malformed_mail"


@dataclass(frozen=True, slots=True, kw_only=True)
class MailPart:
    """A part that is not the body: an attachment, an inline image, a calendar invite;
    ``content`` is its decoded bytes."""

    filename: str | None
    content_type: str
    size: int
    inline: bool
    content_id: str | None = None
    content: bytes = field(default=b"", repr=False, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class InboundMail:
    """``text`` is the new part of the body (quoted history stripped), ``full_text`` all
    of it; ``html`` the sanitised HTML body, when the mail had one. Addresses are in the
    normal form of ``parse_email`` (the domain lower-cased)."""

    message_id: str | None
    sender: str
    sender_name: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    delivered_to: tuple[str, ...]
    subject: str
    sent_at: datetime | None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    text: str
    full_text: str
    html: str | None
    attachments: tuple[MailPart, ...]
    automatic: str | None  # why it is an auto-reply or a bounce (None: a person wrote it)

    @property
    def parent_ids(self) -> tuple[str, ...]:
        """The Message-IDs it answers, nearest first: In-Reply-To, then References from the
        newest to the root."""
        return tuple(dict.fromkeys((*self.in_reply_to, *reversed(self.references))))

    @property
    def recipients(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.delivered_to, *self.to, *self.cc)))
