"""Webhook subscriptions: where to send which events, and the secret that signs them."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import SplitResult, urlsplit

from tessera.domain.errors import DomainValidationError
from tessera.domain.events import EVENTS_BY_TYPE, TICKET_EVENT_TYPES

URL_MAX = 2000
EVENT_TYPES = frozenset(EVENTS_BY_TYPE)
SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret
SECRET_KEY_BYTES = (24, 64)  # Standard Webhooks: 192 to 512 bits
ROTATION_OVERLAP = timedelta(hours=24)  # the old secret still signs this long


class DeliveryState(StrEnum):
    PENDING = "pending"  # waiting for its (next) attempt
    SUCCEEDED = "succeeded"
    DEAD = "dead"  # out of attempts, or refused for good; a redelivery revives it


@dataclass(eq=False, kw_only=True)
class Webhook:
    id: int
    url: str
    event_types: frozenset[str]  # empty: every ticket event (people events by name)
    secret: str
    description: str | None
    created_at: datetime
    # The secret replaced by the last rotation, signing beside the new one until it expires.
    previous_secret: str | None = None
    previous_secret_expires_at: datetime | None = None
    active: bool = True
    disabled_reason: str | None = None
    disabled_at: datetime | None = None

    def wants(self, event_type: str) -> bool:
        """A webhook with no filter gets a ticket's events; people events only by name."""
        wanted = self.event_types or TICKET_EVENT_TYPES
        return self.active and event_type in wanted

    def signing_secrets(self, now: datetime) -> list[str]:
        """The current secret, then the previous one while its overlap lasts."""
        expires = self.previous_secret_expires_at
        if self.previous_secret is None or expires is None or now >= expires:
            return [self.secret]
        return [self.secret, self.previous_secret]

    def rotate_secret(self, new_secret: str, *, now: datetime) -> None:
        self.previous_secret = self.secret
        self.previous_secret_expires_at = now + ROTATION_OVERLAP
        self.secret = new_secret

    def disable(self, reason: str, *, now: datetime) -> None:
        self.active = False
        self.disabled_reason = reason
        self.disabled_at = now

    def enable(self) -> None:
        self.active = True
        self.disabled_reason = None
        self.disabled_at = None


def secret_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_<base64>`` secret: its base64 part, decoded (standard
    alphabet, padded). Raises ValueError for anything else."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError(f"a secret starts with {SECRET_PREFIX}")
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except binascii.Error as error:
        raise ValueError(f"not base64: {error}") from None
    if not key:
        raise ValueError("an empty key")
    return key


def parse_secret(raw: str) -> str:
    """A client's own secret: ``whsec_`` and the standard base64 of a 24 to 64 byte key."""
    low, high = SECRET_KEY_BYTES
    try:
        size = len(secret_key(raw))
    except ValueError:
        size = 0
    if not low <= size <= high:
        raise DomainValidationError.single(
            "secret", f"must be {SECRET_PREFIX} and the base64 of a {low} to {high} byte key"
        )
    return raw


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052: the last 32 bits are IPv4
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # deprecated ::a.b.c.d
_HOST_NAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*")
_NUMBER = re.compile(r"0[x][0-9a-f]*|0[0-7]*|[1-9][0-9]*")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form carries: mapped, 6to4, NAT64, IPv4-compatible, Teredo."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64 or ip in _IPV4_COMPATIBLE:
        return ipaddress.IPv4Address(int(ip) & 0xFFFF_FFFF)
    return ip.teredo[1] if ip.teredo is not None else None


def _not_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return not ip.is_global or ip.is_multicast


def is_private_address(address: str) -> bool:
    """Loopback, private, link-local, multicast, unspecified, reserved or otherwise not a
    public unicast address, also when an IPv6 form embeds such an IPv4 address. Raises
    ValueError when ``address`` is not an IP address."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None and _not_public(embedded):
            return True
    return _not_public(ip)


def _part_value(part: str) -> int:
    if part.startswith("0x"):
        return int(part[2:] or "0", 16)
    return int(part, 8) if part.startswith("0") and len(part) > 1 else int(part)


def legacy_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """``host`` read the way inet_aton(3), and so getaddrinfo, reads it: one to four parts,
    each decimal, octal (leading 0) or hex (0x), the last filling the remaining bytes:
    ``2130706433``, ``0x7f.1``, ``0177.0.0.1`` and ``127.1`` are all 127.0.0.1. None when
    ``host`` is not such a number."""
    parts = host.lower().split(".")
    if not 1 <= len(parts) <= 4 or not all(_NUMBER.fullmatch(part) for part in parts):
        return None
    *head, last = [_part_value(part) for part in parts]
    if any(value > 0xFF for value in head) or last >= 1 << (8 * (4 - len(head))):
        return None
    number = last
    for index, value in enumerate(head):
        number += value << (8 * (3 - index))
    return ipaddress.IPv4Address(number)


def _target_host(parts: SplitResult) -> str:
    """The host as a resolver sees it: an IP literal, or an ASCII (IDNA) name without its
    final dot. Raises ValueError when it is neither."""
    host = parts.hostname or ""
    if "[" in parts.netloc:
        ipaddress.ip_address(host.partition("%")[0])
        return host
    if not host.isascii():
        host = host.encode("idna").decode("ascii")  # nameprep: full-width digits become digits
    host = host.lower().removesuffix(".")
    if not _HOST_NAME.fullmatch(host):
        raise ValueError(f"not a host name: {host!r}")
    return host


def parse_target_url(raw: str, *, allow_private: bool) -> str:
    """An http(s) URL; unless allowed, a host that is or spells a non-public address
    (``localhost``, ``127.1``, ``2130706433``, ``[::ffff:127.0.0.1]``, ...) is refused.
    Host names are resolved and every address checked again at each delivery."""
    value = raw.strip()
    invalid = DomainValidationError.single("url", "must be an http or https URL with a host")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
        host = _target_host(parts)
    except ValueError:  # UnicodeError included
        raise invalid from None
    if len(value) > URL_MAX or parts.scheme not in ("http", "https") or not host:
        raise invalid
    if allow_private:
        return value
    if host == "localhost" or host.endswith(".localhost"):
        raise DomainValidationError.single("url", "loopback targets are not allowed")
    address = legacy_ipv4(host)
    literal = str(address) if address is not None else host.partition("%")[0]
    try:
        private = is_private_address(literal)
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
