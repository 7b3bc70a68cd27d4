"""Opaque keyset cursors: the sort order and the last row's (sort key, id), base64-encoded."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from tessera.application.queries import TicketSort
from tessera.domain.errors import DomainValidationError


@dataclass(frozen=True, slots=True)
class Cursor:
    sort: TicketSort
    key: datetime | int
    id: int


_ID_MAX = 2**63 - 1
_RANK_MAX = 2**15 - 1  # priority ranks are small integers


def encode_cursor(cursor: Cursor) -> str:
    key: Any = cursor.key.isoformat() if isinstance(cursor.key, datetime) else cursor.key
    raw = orjson.dumps([cursor.sort.value, key, cursor.id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(value: str, *, sort: TicketSort) -> Cursor:
    """Raises DomainValidationError for anything this module did not produce for ``sort``:
    the key must have the sort column's type and every number its column's range."""
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        sort_value, key, last_id = orjson.loads(raw)
        if sort_value != sort.value or not _in_range(last_id, 1, _ID_MAX):
            raise ValueError(sort_value)
        parsed = _key(key, by_time=sort is not TicketSort.PRIORITY)
    except (ValueError, TypeError, OverflowError, binascii.Error, orjson.JSONDecodeError):
        raise DomainValidationError.single(
            "cursor", "is not a cursor issued for this sort order"
        ) from None
    return Cursor(sort=sort, key=parsed, id=last_id)


def _key(key: Any, *, by_time: bool) -> datetime | int:
    if not by_time:
        if not _in_range(key, -_RANK_MAX, _RANK_MAX):
            raise ValueError(key)
        return int(key)
    if not isinstance(key, str):
        raise TypeError(key)
    moment = datetime.fromisoformat(key)
    if moment.tzinfo is None:
        raise ValueError(key)
    return moment.astimezone(UTC)  # OverflowError at the ends of the calendar


def _in_range(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
