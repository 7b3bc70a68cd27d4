"""Login links in a dict, and a mailer that keeps what it was given, for unit tests."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from tessera.application.ports.login_links import LoginLink


@dataclass(slots=True)
class _Stored:
    link: LoginLink
    used_at: datetime | None = None


class InMemoryLoginLinkStore:
    def __init__(self) -> None:
        self.links: dict[str, _Stored] = {}

    async def add(self, link: LoginLink) -> None:
        self.links[link.token_hash] = _Stored(link)

    async def redeem(self, token_hash: str, *, now: datetime) -> int | None:
        stored = self.links.get(token_hash)
        if stored is None or stored.used_at is not None or stored.link.expires_at <= now:
            return None
        stored.used_at = now
        return stored.link.user_id

    async def delete_expired(self, now: datetime) -> int:
        ended = [key for key, s in self.links.items() if s.link.expires_at <= now]
        for key in ended:
            del self.links[key]
        return len(ended)


@dataclass(frozen=True, slots=True, kw_only=True)
class SentLink:
    recipient: str
    name: str
    link: str
    expires_at: datetime


@dataclass(slots=True)
class RecordingLoginLinkMailer:
    sent: list[SentLink] = dataclasses.field(default_factory=list)

    async def send(self, *, recipient: str, name: str, link: str, expires_at: datetime) -> None:
        self.sent.append(SentLink(recipient=recipient, name=name, link=link, expires_at=expires_at))
