"""Mailboxes: e-mail addresses in one normal form, and one spelling per address, so that
look-alike addresses cannot share tickets.

Ownership compares the normal form of ``parse_email`` exactly. Two different normal forms
that a person cannot tell apart (``Straße@`` and ``strasse@``, ``ﬁnance@`` and ``finance@``,
``Ada@`` and ``ada@``) would otherwise be two owners of what looks like one address; the
first spelling seen holds the address and a look-alike of it is refused.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NewType

from tessera.domain.errors import DomainValidationError, TesseraError

EmailAddress = NewType("EmailAddress", str)

EMAIL_MAX = 254

# Deliberately plain: the HTTP boundary runs a full RFC 5322 check; the domain guards shape.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def parse_email(raw: str, *, field: str = "customer_email") -> EmailAddress:
    """The address in its normal form (docs/security.md): trimmed, Unicode NFC, the domain
    part lower-cased, the local part otherwise as given. Ownership compares this form
    exactly; look-alikes of a known address are refused by their ``mailbox_key``."""
    value = unicodedata.normalize("NFC", raw.strip())
    if len(value) > EMAIL_MAX or not _EMAIL.match(value):
        raise DomainValidationError.single(field, "must be a valid e-mail address")
    local, _, domain = value.rpartition("@")
    return EmailAddress(f"{local}@{unicodedata.normalize('NFC', domain.lower())}")


def mailbox_key(address: str) -> str:
    """What look-alike addresses have in common: NFKC, case folded, without invisible
    format characters (zero-width spaces and joiners, soft hyphens)."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", address).casefold())
    return "".join(c for c in folded if unicodedata.category(c) != "Cf")


class LookalikeAddressError(TesseraError):
    """An address that differs from a known one only by letter case or by compatibility or
    invisible characters."""

    code = "conflict"

    def __init__(self, field: str, address: EmailAddress) -> None:
        super().__init__(
            f"{field} looks like an address that is already known under another spelling "
            "(letter case or look-alike characters); use that address exactly",
            details=[{"field": field, "message": "look-alike of a known address"}],
        )
        self.field = field
        self.address = address
