"""Comment commands."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class AddComment:
    ticket_id: int
    body: str
    public: bool = True
    uploads: tuple[str, ...] = ()  # upload tokens, attached to the comment
