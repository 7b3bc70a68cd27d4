"""Who Tessera's mail says it is from, for threading: the domain of its Message-IDs and the
address whose plus tags route replies back to their ticket (``support+<token>@domain``)."""

from __future__ import annotations

import base64
import re
import secrets
import uuid
from dataclasses import dataclass
from email.utils import parseaddr

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
_LOCAL_PART = re.compile(r"[a-z0-9!#$%&'*/=?^_`{|}~.-]{1,40}")  # no "+": that opens the tag
TAG_SEPARATOR = "+"


@dataclass(frozen=True, slots=True)
class MailIdentity:
    """The domain of Message-IDs and the address whose plus tags route replies back."""

    domain: str
    reply_local_part: str
    reply_domain: str

    @classmethod
    def configure(cls, *, sender: str, domain: str | None, reply_to: str | None) -> MailIdentity:
        """The domain defaults to the sender's, the reply address to the sender's local part
        at the mail domain. Raises ValueError for a domain or address that cannot serve."""
        sender_local, sender_domain = address_parts(sender)
        mail_domain = domain_name(domain or sender_domain)
        if reply_to is None:
            local, reply_domain = sender_local, mail_domain
        else:
            local, reply_domain = address_parts(reply_to)
            reply_domain = domain_name(reply_domain)
        check_taggable(local)
        return cls(domain=mail_domain, reply_local_part=local, reply_domain=reply_domain)

    def message_id(self, *, ticket_id: int, event_id: str, kind: str) -> str:
        """Unique per mail (one per event and kind) and stable: a re-queued mail gets the
        same. Short, so that on a domain of up to 25 characters the header fits one line
        (a folded Message-ID is legal, but some clients keep the fold's white space)."""
        digest = uuid.uuid5(uuid.NAMESPACE_URL, f"tessera:{event_id}/{kind}").hex
        return f"<t{ticket_id}.{digest}@{self.domain}>"

    def reply_address(self, token: str) -> str:
        return f"{self.reply_local_part}{TAG_SEPARATOR}{token}@{self.reply_domain}"


def address_parts(address: str) -> tuple[str, str]:
    """The local part and domain of one address, in lower case. Raises ValueError."""
    _, addr_spec = parseaddr(address)
    local, at, domain = addr_spec.rpartition("@")
    if not at or not local or not domain or any(c in address for c in "\r\n"):
        raise ValueError("not one e-mail address")
    return local.lower(), domain.lower()


def domain_name(domain: str) -> str:
    """``domain`` in lower case. Raises ValueError unless it is an ASCII domain name."""
    domain = domain.lower()
    if len(domain) > 253 or not _DOMAIN.fullmatch(domain):
        raise ValueError("not a domain name (ASCII letters, digits, hyphens and dots)")
    return domain


def check_taggable(local_part: str) -> None:
    """Raises ValueError unless ``local_part`` can take a plus tag and stay a local part."""
    if not _LOCAL_PART.fullmatch(local_part):
        raise ValueError("the local part cannot take a plus tag (ASCII, up to 40, no '+')")


def new_token() -> str:
    """80 random bits in lower-case base32: safe in a local part, and unchanged by the mail
    systems that fold local parts to lower case."""
    return base64.b32encode(secrets.token_bytes(10)).decode().lower()
