"""The console's live signal: one Server-Sent Event whenever the changes feed grows, so that
an open view reloads its list (htmx's SSE extension); from the process's one feed follower,
so an idle console costs the database nothing."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Final

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from tessera.application.errors import ForbiddenError
from tessera.application.ports.events import FeedEntry
from tessera.application.ports.live import LiveFeed
from tessera.presentation.web.auth import ConsoleUser, services_of
from tessera.presentation.web.paths import CONSOLE

router = APIRouter(include_in_schema=False)

CHECK_SECONDS: Final = 1.0  # how often a quiet stream looks for a closed tab
KEEPALIVE_SECONDS: Final = 15.0
# Changes that land together (a bulk update, a burst of mail) make one reload, not many.
COALESCE_SECONDS: Final = 0.25
SIGNAL: Final = "tickets"


@router.get(CONSOLE + "/stream")
async def console_stream(request: Request, user: ConsoleUser) -> Response:
    """The signal carries no ticket data (only the feed position): what the view then shows
    is read through the list use case, with its access rules."""
    services = services_of(request)
    try:
        head = await services.event_feed(principal=user.principal, after=None, limit=1)
    except ForbiddenError:
        # An agent scoped to groups may not follow the whole feed: their views stay as
        # loaded. 204 tells an EventSource not to reconnect.
        return Response(status_code=204)
    return StreamingResponse(
        signals(request, services.live_feed, head.next_position),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def signals(request: Request, feed: LiveFeed, after: int) -> AsyncIterator[bytes]:
    yield b"retry: 2000\n\n"
    entries = aiter(feed.follow(after=after))
    upcoming: asyncio.Future[FeedEntry] = asyncio.ensure_future(anext(entries))
    idle = 0.0
    try:
        while True:
            done, _ = await asyncio.wait({upcoming}, timeout=CHECK_SECONDS)
            if not done:
                idle += CHECK_SECONDS
                if await request.is_disconnected():
                    return
                if idle >= KEEPALIVE_SECONDS:
                    yield b": keep-alive\n\n"
                    idle = 0.0
                continue
            try:
                position = upcoming.result().position
                upcoming = asyncio.ensure_future(anext(entries))
                while True:  # the rest of a burst
                    more, _ = await asyncio.wait({upcoming}, timeout=COALESCE_SECONDS)
                    if not more:
                        break
                    position = upcoming.result().position
                    upcoming = asyncio.ensure_future(anext(entries))
            except StopAsyncIteration:  # the feed closed: the server is stopping
                return
            idle = 0.0
            yield f"id: {position}\nevent: {SIGNAL}\ndata: {position}\n\n".encode()
    finally:
        upcoming.cancel()
        with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
            await upcoming
        if isinstance(entries, AsyncGenerator):
            await entries.aclose()
