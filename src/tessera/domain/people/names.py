"""The display names people, organizations and groups carry: trimmed, 1 to NAME_MAX characters."""

from __future__ import annotations

from tessera.domain.errors import DomainValidationError

NAME_MAX = 200


def parse_name(raw: str, *, field: str = "name", longest: int = NAME_MAX) -> str:
    value = raw.strip()
    if not 1 <= len(value) <= longest:
        raise DomainValidationError.single(field, f"must be 1 to {longest} characters")
    return value
