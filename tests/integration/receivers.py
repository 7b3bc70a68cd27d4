"""A real HTTP receiver for webhook tests: uvicorn on a free loopback port, in the test's
event loop, answering each path as the test says."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import standardwebhooks
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.servers import free_port


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


def verified(request: Received, secret: str) -> Any:
    """The delivery's body as the Standard Webhooks reference library reads it once the
    signature checks out; raises standardwebhooks.WebhookVerificationError otherwise."""
    return standardwebhooks.Webhook(secret).verify(request.body, request.headers)


@dataclass
class Receiver:
    base_url: str
    # path -> the statuses to answer in turn (the last one repeats); 0 means hang.
    script: dict[str, list[int]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    hang_seconds: float = 5.0

    def at(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]

    async def _answer(self, request: Request) -> Response:
        path = request.url.path
        self.received.append(
            Received(path, dict(request.headers), await request.body(), time.monotonic())
        )
        statuses = self.script.get(path, [200])
        status = statuses.pop(0) if len(statuses) > 1 else statuses[0]
        if status == 0:
            await asyncio.sleep(self.hang_seconds)
            status = 200
        return Response(status_code=status)


@asynccontextmanager
async def http_receiver() -> AsyncIterator[Receiver]:
    port = free_port()
    receiver = Receiver(base_url=f"http://127.0.0.1:{port}")
    app = Starlette(routes=[Route("/{path:path}", receiver._answer, methods=["POST"])])
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
        await asyncio.sleep(0.01)
    try:
        yield receiver
    finally:
        server.should_exit = True
        await task
