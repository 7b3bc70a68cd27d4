"""Webhook subscriptions: where to send which events, and the secret that signs them."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from urllib.parse import urlsplit

from tessera.domain.errors import DomainValidationError

URL_MAX = 2000
EVENT_TYPES = frozenset(
    {
        "ticket.created",
        "ticket.updated",
        "ticket.status_changed",
        "ticket.assigned",
        "ticket.commented",
        "ticket.merged",
        "ticket.deleted",
        "ticket.sla_breached",
    }
)


class DeliveryState(StrEnum):
    PENDING = "pending"  # waiting for its (next) attempt
    SUCCEEDED = "succeeded"
    DEAD = "dead"  # out of attempts, or refused for good; a redelivery revives it


@dataclass(eq=False, kw_only=True)
class Webhook:
    id: int
    url: str
    event_types: frozenset[str]  # empty: every type
    secret: str
    description: str | None
    created_at: datetime

    def wants(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types


def is_private_address(address: str) -> bool:
    """Loopback, private, link-local, reserved or otherwise not a public unicast address."""
    ip = ipaddress.ip_address(address)
    return not ip.is_global or ip.is_multicast


def parse_target_url(raw: str, *, allow_private: bool) -> str:
    """An http(s) URL; a literal private or loopback address (or ``localhost``) is refused
    unless allowed. Host names are checked again, resolved, at each delivery."""
    value = raw.strip()
    parts = urlsplit(value)
    if len(value) > URL_MAX or parts.scheme not in ("http", "https") or not parts.hostname:
        raise DomainValidationError.single("url", "must be an http or https URL with a host")
    if allow_private:
        return value
    host = parts.hostname
    if host == "localhost" or host.endswith(".localhost"):
        raise DomainValidationError.single("url", "loopback targets are not allowed")
    try:
        private = is_private_address(host)
    except ValueError:  # a name, not an address
        return value
    if private:
        raise DomainValidationError.single("url", "private and loopback targets are not allowed")
    return value


def parse_event_types(raw: list[str] | tuple[str, ...]) -> frozenset[str]:
    unknown = sorted(set(raw) - EVENT_TYPES)
    if unknown:
        raise DomainValidationError.single(
            "event_types", f"unknown event types: {', '.join(unknown)}"
        )
    return frozenset(raw)
