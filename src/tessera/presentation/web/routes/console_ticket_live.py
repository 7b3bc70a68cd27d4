"""The ticket page, live: its Server-Sent Events (a change to refresh for, who else is here)
and the "is replying" a composer announces while the agent types."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from typing import Final

import anyio
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from tessera.application.ports.events import FeedEntry
from tessera.application.ports.live import Presence, PresenceBoard
from tessera.domain.access.principal import Principal
from tessera.presentation.web.auth import ConsoleUser, services_of
from tessera.presentation.web.paths import CONSOLE
from tessera.presentation.web.ticket_forms import path_id, text
from tessera.presentation.web.ticket_templates import render_fragment

router = APIRouter(include_in_schema=False)
TICKET = f"{CONSOLE}/tickets/{{ticket_id}}"

# How often the stream looks who else is on the ticket (the board is Redis or memory, not the
# database) and whether its client left.
PRESENCE_SECONDS: Final = 1.0
# How often the stream renews "viewing": well inside the board's time to live (30 s unless
# configured shorter), so an open page never lapses and a closed one soon does.
RENEW_SECONDS: Final = 5.0
KEEPALIVE_SECONDS: Final = 15.0
CLEANUP_SECONDS: Final = 5.0


def sse(event: str, data: str, *, event_id: int | None = None) -> bytes:
    """One Server-Sent Event; each line of ``data`` goes on its own ``data:`` line."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    lines = "".join(f"data: {line}\n" for line in (data.splitlines() or [""]))
    return f"{head}event: {event}\n{lines}\n".encode()


@router.get(f"{TICKET}/stream")
async def stream(ticket_id: str, request: Request, user: ConsoleUser) -> Response:
    """``version``: the ticket's version the page shows; if it moved on before the stream
    opened, the first event says so. ``Last-Event-ID`` resumes the feed where it broke off."""
    number = path_id(ticket_id)
    services = services_of(request)
    last = request.headers.get("last-event-id", "")
    after = int(last) if last.isascii() and last.isdigit() and len(last) <= 18 else None
    # Access is checked and the feed's position fixed here, before the first byte is sent.
    entries = await services.follow_ticket(number, principal=user.principal, after=after)
    shown = request.query_params.get("version", "")
    view = await services.get_ticket(number, principal=user.principal)
    page = _Page(
        ticket_id=number,
        principal=user.principal,
        board=services.presence,
        behind=shown != str(view.version),
    )
    return StreamingResponse(
        _events(request, page, entries),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@dataclass(slots=True, kw_only=True)
class _Page:
    ticket_id: int
    principal: Principal
    board: PresenceBoard
    behind: bool
    shown: tuple[Presence, ...] | None = None

    async def renew(self, present: list[Presence]) -> None:
        """Keeps "viewing" fresh, unless the composer said "replying" (which lapses by
        itself when the typing stops)."""
        mine = next((p for p in present if p.user_id == self.principal.user_id), None)
        if mine is None or mine.activity == "viewing":
            await self.board.announce(
                self.ticket_id,
                user_id=self.principal.user_id,
                name=self.principal.name,
                activity="viewing",
            )

    def others(self, present: list[Presence]) -> tuple[Presence, ...]:
        return tuple(p for p in present if p.user_id != self.principal.user_id)


async def _events(
    request: Request, page: _Page, entries: AsyncGenerator[FeedEntry, None]
) -> AsyncIterator[bytes]:
    yield b"retry: 2000\n\n"
    if page.behind:
        yield sse("ticket", "changed")
    loop = asyncio.get_running_loop()
    renewed = quiet = loop.time()
    await page.renew([])
    upcoming: asyncio.Future[FeedEntry] = asyncio.ensure_future(anext(entries))
    try:
        while True:
            present = await page.board.present(page.ticket_id)
            if loop.time() - renewed >= RENEW_SECONDS:
                await page.renew(present)
                renewed = loop.time()
            others = page.others(present)
            if others != page.shown:
                page.shown = others
                yield sse(
                    "presence",
                    render_fragment("console/ticket/presence_list.html", {"others": others}),
                )
            done, _ = await asyncio.wait({upcoming}, timeout=PRESENCE_SECONDS)
            if upcoming in done:
                try:
                    entry = upcoming.result()
                except StopAsyncIteration:  # the feed closed: the server is stopping
                    return
                upcoming = asyncio.ensure_future(anext(entries))
                quiet = loop.time()
                yield sse("ticket", entry.event.type, event_id=entry.position)
                continue
            if await request.is_disconnected():
                return
            if loop.time() - quiet >= KEEPALIVE_SECONDS:
                quiet = loop.time()
                yield b": keep-alive\n\n"
    finally:
        # Shielded: a client that left cancels this task, and the follower's subscription
        # and the presence entry must still go (within a bound, should Redis hang).
        with anyio.move_on_after(CLEANUP_SECONDS, shield=True):
            upcoming.cancel()
            with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                await upcoming
            await entries.aclose()
            await page.board.leave(page.ticket_id, user_id=page.principal.user_id)


@router.post(f"{TICKET}/presence")
async def announce(ticket_id: str, request: Request, user: ConsoleUser) -> Response:
    """``activity=replying`` while the agent types; anything else is "viewing"."""
    number = path_id(ticket_id)
    services = services_of(request)
    await services.get_ticket(number, principal=user.principal)  # not for unseen tickets
    form = await request.form()
    replying = text(form, "activity") == "replying"
    await services.presence.announce(
        number,
        user_id=user.principal.user_id,
        name=user.principal.name,
        activity="replying" if replying else "viewing",
    )
    return Response(status_code=204)
