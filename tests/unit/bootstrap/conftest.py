"""Builders of the composition root, checked one at a time with no service running."""

from __future__ import annotations

from dataclasses import dataclass, field

from redis.asyncio import Redis


@dataclass
class RecordingOpener:
    """Opens Redis clients (they connect only when first used) and remembers each one."""

    opened: list[tuple[str, float, float]] = field(default_factory=list)
    clients: list[Redis] = field(default_factory=list)

    def __call__(self, url: str, *, socket_timeout: float, socket_connect_timeout: float) -> Redis:
        self.opened.append((url, socket_timeout, socket_connect_timeout))
        client = Redis.from_url(
            url, socket_timeout=socket_timeout, socket_connect_timeout=socket_connect_timeout
        )
        self.clients.append(client)
        return client
