"""Live ports: the changes feed as it grows, and who is looking at a ticket right now."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Literal, Protocol

from tessera.application.ports.events import FeedEntry

Activity = Literal["viewing", "replying"]


class LiveFeed(Protocol):
    """The feed's new entries, read once per process by one follower and fanned out to every
    open stream (so idle streams cost the database nothing)."""

    def follow(self, *, after: int, types: tuple[str, ...] = ()) -> AsyncIterator[FeedEntry]:
        """Entries after position ``after`` in feed order, first those already stored, then
        each new one as it lands; runs until the caller stops iterating. ``types`` keeps only
        those event types (empty: a ticket's events; people events only by name)."""
        ...


@dataclass(frozen=True, slots=True)
class Presence:
    user_id: int
    name: str
    activity: Activity


class PresenceBoard(Protocol):
    """Who is viewing or replying to a ticket; an entry lapses unless renewed within the
    board's time to live (a closed tab needs no goodbye)."""

    async def announce(
        self, ticket_id: int, *, user_id: int, name: str, activity: Activity
    ) -> None:
        """Adds or renews the user's entry on the ticket."""
        ...

    async def leave(self, ticket_id: int, *, user_id: int) -> None: ...

    async def present(self, ticket_id: int) -> list[Presence]:
        """The live entries, in the order the users arrived."""
        ...
