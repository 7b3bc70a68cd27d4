"""Groups: teams of agents that tickets are routed to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from tessera.domain.errors import DomainValidationError
from tessera.domain.people.names import parse_name

NEW_GROUP_ID: Final = 0
GROUP_NAME_MAX: Final = 100
DESCRIPTION_MAX: Final = 1000


def parse_description(raw: str) -> str:
    value = raw.strip()
    if len(value) > DESCRIPTION_MAX:
        raise DomainValidationError.single("description", f"at most {DESCRIPTION_MAX} characters")
    return value


@dataclass(eq=False, kw_only=True)
class Group:
    """Members are kept beside the group (a membership each), not on it."""

    id: int
    name: str
    description: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def form(cls, *, name: str, description: str, now: datetime) -> Group:
        return cls(
            id=NEW_GROUP_ID,
            name=parse_name(name, longest=GROUP_NAME_MAX),
            description=parse_description(description),
            created_at=now,
            updated_at=now,
        )
