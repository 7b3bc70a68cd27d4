"""Where a received mail belongs, by the clues it carries (SPEC §15, in this order): the
Message-IDs it answers, the plus tag of the reply address it was sent to, a reference token
in its body, and last the subject's ``[#123]``, which anybody can type and so counts only
when the sender is the ticket's requester."""

from __future__ import annotations

import re

# The tokens of ``mail_threads`` are 80 random bits in lower-case base32 (16 characters).
TOKEN = r"[a-z2-7]{16}"  # noqa: S105 - a pattern, not a secret
_TAG_TOKEN = re.compile(rf"{TOKEN}")
_BODY_TOKEN = re.compile(rf"\[ref:({TOKEN})\]", re.IGNORECASE)
_SUBJECT_ID = re.compile(r"\[#(\d{1,18})\]")


def body_marker(token: str) -> str:
    """How a mail's text carries its thread's token, for clients that drop the plus tag of
    the reply address but quote the mail they answer."""
    return f"[ref:{token}]"


def reply_token(address: str, *, local_part: str, domain: str) -> str | None:
    """The token of a per-ticket reply address ``local+<token>@domain``, or None."""
    local, _, at_domain = address.lower().rpartition("@")
    base, plus, tag = local.partition("+")
    if at_domain != domain or base != local_part or not plus:
        return None
    return tag if _TAG_TOKEN.fullmatch(tag) else None


def body_tokens(text: str) -> tuple[str, ...]:
    """Every reference token in ``text``, first seen first."""
    return tuple(dict.fromkeys(m.lower() for m in _BODY_TOKEN.findall(text)))


def subject_ticket_id(subject: str) -> int | None:
    """The ticket number a subject cites as ``[#123]``, or None."""
    match = _SUBJECT_ID.search(subject)
    return int(match.group(1)) if match else None
