"""Event routes: a ticket's history, the changes feed, and its live Server-Sent Events form."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Annotated

import orjson
from fastapi import APIRouter, Header, Path, Query, Request
from starlette.responses import Response, StreamingResponse

from tessera.application.ports.events import FeedEntry
from tessera.application.services import Services
from tessera.presentation.http.dependencies import AppServices, CurrentPrincipal
from tessera.presentation.http.errors import error_responses
from tessera.presentation.http.rendering import page
from tessera.presentation.http.schemas.events import FeedResponse, HistoryResponse
from tessera.presentation.http.schemas.parameters import PositionCursor, SequenceCursor
from tessera.presentation.http.schemas.text import QueryText

router = APIRouter(prefix="/v1", tags=["events"])

# How often an idle stream looks whether its client left, and sends a comment to keep
# proxies from closing it.
STREAM_CHECK_SECONDS = 1.0
STREAM_KEEPALIVE_SECONDS = 15.0
MAX_TYPES = 20

_AUTH = ("unauthenticated", "forbidden")
Position = Annotated[
    PositionCursor | None,
    Query(description="Resume after this `next_cursor` of the feed (or SSE `id`)"),
]
Limit = Annotated[int, Query(ge=1, le=1000)]
Types = Annotated[
    list[Annotated[QueryText, Query(max_length=64)]],
    Query(max_length=MAX_TYPES, description="Only these event types (repeat for several)"),
]


@router.get(
    "/tickets/{ticket_id}/history",
    operation_id="tickets.history",
    response_model=HistoryResponse,
    responses=error_responses(*_AUTH, "ticket_not_found", "validation_failed"),
    summary="A ticket's changes in order (who, when, what), as CloudEvents",
)
async def ticket_history(
    request: Request,
    ticket_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    principal: CurrentPrincipal,
    services: AppServices,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[SequenceCursor | None, Query(description="From next_cursor")] = None,
) -> Response:
    after = int(cursor) if cursor else 0
    events = await services.ticket_history(
        ticket_id, principal=principal, after_sequence=after, limit=limit
    )
    next_cursor = str(events[-1].sequence) if len(events) == limit else None
    return page([e.to_dict() for e in events], next_cursor, request=request)


@router.get(
    "/events",
    operation_id="events.list",
    response_model=FeedResponse,
    responses=error_responses(*_AUTH, "validation_failed"),
    summary="The changes feed: every event in commit order, for incremental export",
)
async def event_feed(
    request: Request,
    principal: CurrentPrincipal,
    services: AppServices,
    after: Position = None,
    limit: Limit = 100,
    type: Types = [],  # noqa: B006 - the public parameter name
) -> Response:
    feed = await services.event_feed(
        principal=principal, after=int(after or 0), limit=limit, types=tuple(type)
    )
    entries = [entry.event.to_dict() for entry in feed.entries]
    return page(entries, str(feed.next_position), request=request, cursor="after")


@router.get(
    "/events/stream",
    operation_id="events.stream",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "One SSE message per event: `id` is its position, `event` its "
            "type, `data` the CloudEvent. Reconnect with `Last-Event-ID` to resume.",
        },
        **error_responses(*_AUTH, "validation_failed"),
    },
    summary="The changes feed, live, as Server-Sent Events",
)
async def event_stream(
    request: Request,
    principal: CurrentPrincipal,
    services: AppServices,
    after: Position = None,
    type: Types = [],  # noqa: B006 - the public parameter name
    last_event_id: Annotated[
        str | None, Header(pattern=r"^[0-9]{1,18}$", description="Resume after this event")
    ] = None,
) -> StreamingResponse:
    types = tuple(type)
    start = int(last_event_id) if last_event_id else int(after) if after else None
    # Checks access before the stream opens; no start means live from the end of the feed.
    head = await services.event_feed(principal=principal, after=start, limit=1, types=types)
    if start is None:
        start = head.next_position
    return StreamingResponse(
        _sse(request, services, start, types),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _sse(
    request: Request, services: Services, after: int, types: tuple[str, ...]
) -> AsyncIterator[bytes]:
    """The feed from ``after`` on, from this process's one follower of the log: an idle
    stream costs the database nothing."""
    yield b"retry: 1000\n\n"
    entries = aiter(services.live_feed.follow(after=after, types=types))
    upcoming: asyncio.Future[FeedEntry] = asyncio.ensure_future(anext(entries))
    idle = 0.0
    try:
        while True:
            done, _ = await asyncio.wait({upcoming}, timeout=STREAM_CHECK_SECONDS)
            if not done:
                idle += STREAM_CHECK_SECONDS
                if await request.is_disconnected():
                    return
                if idle >= STREAM_KEEPALIVE_SECONDS:
                    yield b": keep-alive\n\n"
                    idle = 0.0
                continue
            try:
                entry = upcoming.result()
            except StopAsyncIteration:  # the feed closed: the server is stopping
                return
            upcoming = asyncio.ensure_future(anext(entries))
            idle = 0.0
            yield (
                f"id: {entry.position}\nevent: {entry.event.type}\ndata: ".encode()
                + orjson.dumps(entry.event.to_dict())
                + b"\n\n"
            )
    finally:
        upcoming.cancel()
        with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
            await upcoming
        if isinstance(entries, AsyncGenerator):
            await entries.aclose()
