"""Fast JSON responses and ETags: views are serialised once, straight to bytes."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

from tessera.application.tickets.views import TicketView

_OPTIONS = orjson.OPT_UTC_Z


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
    none (``*`` is handled by the caller). Several tags: the first that is ours."""
    for raw in header.split(","):
        tag = raw.strip().removeprefix("W/").strip('"')
        ticket, _, version = tag.partition("-")
        if ticket == str(ticket_id) and version.isdigit():
            return int(version)
    return None
