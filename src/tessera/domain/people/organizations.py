"""Organizations: the companies customers belong to, found by the domains of their addresses."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from tessera.domain.access.mailboxes import EmailAddress
from tessera.domain.errors import DomainValidationError
from tessera.domain.people.names import parse_name

NEW_ORGANIZATION_ID: Final = 0
DOMAINS_MAX: Final = 50
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def parse_domains(raw: list[str] | tuple[str, ...] | frozenset[str]) -> frozenset[str]:
    """Lower-cased host names (``example.com``), at most DOMAINS_MAX."""
    domains = frozenset(d.strip().lower().rstrip(".") for d in raw)
    if len(domains) > DOMAINS_MAX:
        raise DomainValidationError.single("domains", f"at most {DOMAINS_MAX}")
    if bad := sorted(d for d in domains if not _DOMAIN.match(d)):
        raise DomainValidationError.single("domains", f"not a domain name: {bad[0]}")
    return domains


def domain_of(address: EmailAddress) -> str:
    """The part after the last ``@``, already lower-cased in an address's normal form."""
    return address.rpartition("@")[2]


@dataclass(eq=False, kw_only=True)
class Organization:
    """``shared_tickets``: its members see each other's tickets."""

    id: int
    name: str
    domains: frozenset[str]
    shared_tickets: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def found(
        cls, *, name: str, domains: frozenset[str], shared_tickets: bool, now: datetime
    ) -> Organization:
        return cls(
            id=NEW_ORGANIZATION_ID,
            name=parse_name(name),
            domains=domains,
            shared_tickets=shared_tickets,
            created_at=now,
            updated_at=now,
        )
