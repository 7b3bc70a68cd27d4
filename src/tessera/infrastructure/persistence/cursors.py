"""Opaque keyset cursors: the sort order and the last row's (sort key, id), base64-encoded."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from tessera.application.tickets.queries import TicketSort
from tessera.domain.errors import DomainValidationError


@dataclass(frozen=True, slots=True)
class Cursor:
    sort: TicketSort
    key: datetime | int
    id: int


def encode_cursor(cursor: Cursor) -> str:
    key: Any = cursor.key.isoformat() if isinstance(cursor.key, datetime) else cursor.key
    raw = orjson.dumps([cursor.sort.value, key, cursor.id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(value: str, *, sort: TicketSort) -> Cursor:
    """Raises DomainValidationError for anything this module did not produce for ``sort``."""
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        sort_value, key, last_id = orjson.loads(raw)
        if sort_value != sort.value or not isinstance(last_id, int):
            raise ValueError(sort_value)
        parsed: datetime | int = datetime.fromisoformat(key) if isinstance(key, str) else int(key)
        if isinstance(parsed, datetime) and parsed.tzinfo is None:
            raise ValueError(key)
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError):
        raise DomainValidationError.single(
            "cursor", "is not a cursor issued for this sort order"
        ) from None
    return Cursor(sort=sort, key=parsed, id=last_id)
