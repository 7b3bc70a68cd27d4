"""Fast JSON responses and ETags: views are serialised once, straight to bytes."""

from __future__ import annotations

import re
from typing import Any, Final
from urllib.parse import urlencode

import orjson
from starlette.requests import Request
from starlette.responses import Response

from tessera.application.views import TicketView
from tessera.domain.errors import DomainValidationError

JSON_OPTIONS: Final = orjson.OPT_UTC_Z
VERSION_MAX: Final = 2**31 - 1  # ticket versions are 32-bit
# Entity tags are visible ASCII (RFC 9110); `str.isdigit` would also take `²` and `٣`.
_VISIBLE_ASCII: Final = re.compile(r"[\x20-\x7e]*")
_DIGITS: Final = re.compile(r"[0-9]+")
_NOT_ASCII: Final = 'must be * or entity tags such as "12-3", in visible ASCII'


def json_response(
    content: Any, *, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """``content`` may hold dataclasses (views), datetimes (RFC 3339 with ``Z``) and tuples."""
    return Response(
        orjson.dumps(content, option=JSON_OPTIONS),
        status_code=status_code,
        media_type="application/json",
        headers=headers,
    )


def page(
    items: list[Any],
    next_cursor: str | None,
    *,
    request: Request,
    cursor: str = "cursor",
    included: dict[str, Any] | None = None,
) -> Response:
    """A list page: ``data``, ``next_cursor`` and ``links.next``, the same request with the
    query parameter ``cursor`` (``after`` for the changes feed) set to ``next_cursor``; with
    ``included``, the side-loaded records the page names."""
    body: dict[str, Any] = {
        "data": items,
        "next_cursor": next_cursor,
        "links": {"next": next_link(request, next_cursor, cursor=cursor)},
    }
    if included is not None:
        body["included"] = included
    return json_response(body)


def next_link(request: Request, next_cursor: str | None, *, cursor: str) -> str | None:
    if next_cursor is None:
        return None
    query = [(k, v) for k, v in request.query_params.multi_items() if k != cursor]
    query.append((cursor, next_cursor))
    return f"{request.scope.get('root_path', '')}{request.url.path}?{urlencode(query)}"


def ticket_etag(view: TicketView) -> str:
    return f'"{view.id}-{view.version}"'


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Whether an ``If-None-Match`` header names ``etag`` (weakly) or is ``*``."""
    tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
    return "*" in tags or etag in tags


def parse_version(header: str, *, ticket_id: int) -> int | None:
    """The version named by an ``If-Match`` header for this ticket, or None when it names
    none (``*`` is handled by the caller). Several tags: the first that is ours.

    Raises DomainValidationError (``If-Match``) for a header that is not visible ASCII, or
    whose tag for this ticket names a version no ticket can have."""
    if _VISIBLE_ASCII.fullmatch(header) is None:
        raise DomainValidationError.single("If-Match", _NOT_ASCII)
    for raw in header.split(","):
        tag = raw.strip().removeprefix("W/").strip('"')
        ticket, _, version = tag.partition("-")
        if ticket == str(ticket_id) and _DIGITS.fullmatch(version):
            if int(version) > VERSION_MAX:
                raise DomainValidationError.single("If-Match", "names a version out of range")
            return int(version)
    return None
