"""Fast JSON responses and ETags: views are serialised once, straight to bytes."""

from __future__ import annotations

import re
from typing import Any, Final

import orjson
from starlette.responses import Response

from tessera.application.tickets.views import TicketView
from tessera.domain.errors import DomainValidationError

_OPTIONS = orjson.OPT_UTC_Z
VERSION_MAX: Final = 2**31 - 1  # ticket versions are 32-bit
# RFC 9110 entity-tag, ASCII only: `"opaque"` or `W/"opaque"`.
_ENTITY_TAG: Final = re.compile(r'(?:W/)?"([\x21\x23-\x7e]*)"')
_TICKET_TAG: Final = re.compile(r"([0-9]+)-([0-9]+)")
_NOT_A_TAG: Final = 'must be * or entity tags such as "12-3", separated by commas'


def json_response(
    content: Any, *, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """``content`` may hold dataclasses (views), datetimes (RFC 3339 with ``Z``) and tuples."""
    return Response(
        orjson.dumps(content, option=_OPTIONS),
        status_code=status_code,
        media_type="application/json",
        headers=headers,
    )


def page(items: list[Any], next_cursor: str | None) -> Response:
    return json_response({"data": items, "next_cursor": next_cursor})


def ticket_etag(view: TicketView) -> str:
    return f'"{view.id}-{view.version}"'


def parse_version(header: str, *, ticket_id: int) -> int | None:
    """The version named by an ``If-Match`` header for this ticket, or None when it names
    none (``*`` is handled by the caller). Several tags: the first that is ours.

    Raises DomainValidationError (``If-Match``) for a header that is not a list of entity
    tags, or whose tag for this ticket names a version no ticket can have."""
    found: int | None = None
    members = [m.strip() for m in header.split(",") if m.strip()]
    for member in members or [header]:
        tag = _ENTITY_TAG.fullmatch(member)
        if tag is None:
            raise DomainValidationError.single("If-Match", _NOT_A_TAG)
        ours = _TICKET_TAG.fullmatch(tag[1])
        if found is None and ours is not None and ours[1] == str(ticket_id):
            found = int(ours[2])
            if found > VERSION_MAX:
                raise DomainValidationError.single("If-Match", "names a version out of range")
    return found
