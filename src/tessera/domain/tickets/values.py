"""Ticket value objects: each parser trims or normalises, then enforces the SPEC §3 rule."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import NewType

from tessera.domain.errors import DomainValidationError

Title = NewType("Title", str)
Description = NewType("Description", str)
Tag = NewType("Tag", str)

TITLE_MAX = 200
DESCRIPTION_MIN = 10
DESCRIPTION_MAX = 5000
TAG_MAX_LENGTH = 50
TAGS_MAX = 20

_TAG = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")


class Priority(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """Urgency as a number, higher is more urgent (used to sort by priority)."""
        return _PRIORITY_RANK[self]


class Channel(StrEnum):
    """Where the customer wrote in."""

    API = "api"
    EMAIL = "email"
    PORTAL = "portal"
    CONSOLE = "console"


def parse_channel(raw: str) -> Channel:
    try:
        return Channel(raw)
    except ValueError:
        allowed = ", ".join(c.value for c in Channel)
        raise DomainValidationError.single("channel", f"must be one of {allowed}") from None


_PRIORITY_RANK = {Priority.LOW: 1, Priority.MEDIUM: 2, Priority.HIGH: 3, Priority.CRITICAL: 4}


def parse_title(raw: str) -> Title:
    value = raw.strip()
    if not value:
        raise DomainValidationError.single("title", "must not be empty or only white space")
    if len(value) > TITLE_MAX:
        raise DomainValidationError.single("title", f"must be at most {TITLE_MAX} characters")
    return Title(value)


def parse_description(raw: str) -> Description:
    value = raw.strip()
    if not DESCRIPTION_MIN <= len(value) <= DESCRIPTION_MAX:
        raise DomainValidationError.single(
            "description", f"must be {DESCRIPTION_MIN} to {DESCRIPTION_MAX} characters"
        )
    return Description(value)


def parse_tag(raw: str) -> Tag:
    value = raw.strip().lower()
    if not value or len(value) > TAG_MAX_LENGTH or not _TAG.match(value):
        raise DomainValidationError.single(
            "tags",
            f"{raw!r} is not a tag: use 1-{TAG_MAX_LENGTH} lower-case letters, digits, '-' or '_'",
        )
    return Tag(value)


def parse_tags(raw: list[str] | tuple[str, ...] | frozenset[str]) -> frozenset[Tag]:
    tags = frozenset(parse_tag(t) for t in raw)
    if len(tags) > TAGS_MAX:
        raise DomainValidationError.single("tags", f"at most {TAGS_MAX} tags")
    return tags


def parse_priority(raw: str) -> Priority:
    try:
        return Priority(raw)
    except ValueError:
        allowed = ", ".join(p.value for p in Priority)
        raise DomainValidationError.single("priority", f"must be one of {allowed}") from None
