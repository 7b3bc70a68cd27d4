"""Mailboxes: one spelling per address, so that look-alike addresses cannot share tickets.

Ownership compares the normal form of ``parse_email`` exactly. Two different normal forms
that a person cannot tell apart (``Straße@`` and ``strasse@``, ``ﬁnance@`` and ``finance@``,
``Ada@`` and ``ada@``) would otherwise be two owners of what looks like one address; the
first spelling seen holds the address and a look-alike of it is refused.
"""

from __future__ import annotations

import unicodedata

from tessera.domain.errors import TesseraError
from tessera.domain.tickets.values import EmailAddress


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
