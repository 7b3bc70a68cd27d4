"""The one layer every request passes first, in a single ASGI pass: the server span, the
metrics and the access line; the request id and the security headers; the guards on headers
and body; the rate limit; the schema gate; and the last-resort 500.

One layer rather than one per concern: each layer of its own was a coroutine frame per
request and a send wrapper per message.
The order of the checks is the order the layers had: a request refused on sight (413, 415,
431) draws on no rate budget; a 429 and a 503 carry the request id and security headers;
everything the routes answer carries those and the ``RateLimit-*`` headers.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from opentelemetry import context, trace
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tessera.presentation.http.errors import error_response, log_unhandled
from tessera.presentation.http.middleware.rate_limit import (
    RateLimitPolicy,
    decision_headers,
    send_refusal,
)
from tessera.presentation.http.middleware.request_context import (
    BodyTooLargeError,
    RequestGuards,
    request_id,
    response_headers,
    send_error,
)
from tessera.presentation.http.middleware.schema_gate import MESSAGE, needs_schema
from tessera.presentation.http.middleware.telemetry import (
    RequestTelemetry,
    incoming_context,
    server_span,
)


class EdgeMiddleware:
    """``tracing=False`` (no exporter): no span at all; an incoming ``traceparent`` is still
    made current, so that the access line and the events of the request carry it on.
    ``rate_limit=None``: no limits; ``schema_ready=None``: no gate."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        guards: RequestGuards,
        telemetry: RequestTelemetry,
        tracing: bool = True,
        rate_limit: RateLimitPolicy | None = None,
        schema_ready: Callable[[], bool] | None = None,
    ) -> None:
        self.app = app
        self.guards = guards
        self.telemetry = telemetry
        self.tracing = tracing
        self.rate_limit = rate_limit
        self.schema_ready = schema_ready

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        parent = incoming_context(scope)
        span = server_span(scope, parent) if self.tracing else None
        current = trace.set_span_in_context(span, parent) if span is not None else parent
        token = context.attach(current) if current is not None else None
        answer = _Answer(send)
        try:
            await self._serve(scope, receive, answer)
        finally:
            self.telemetry.observe(scope, span or trace.get_current_span(), answer.status, started)
            if span is not None:
                span.end()
            if token is not None:
                context.detach(token)

    async def _serve(self, scope: Scope, receive: Receive, answer: _Answer) -> None:
        headers = Headers(scope=scope)
        rid = request_id(headers)
        scope.setdefault("state", {})["request_id"] = rid
        answer.headers = response_headers(scope["path"], headers, rid)
        refusal = self.guards.refusal(scope, headers)
        if refusal is not None:
            await send_error(answer.send, refusal, rid)
            return
        try:
            if await self._admitted(scope, receive, headers, answer, rid):
                await self.app(scope, self.guards.receive(scope, receive), answer.send)
        except BodyTooLargeError:
            if not answer.started:
                await send_error(answer.send, "payload_too_large", rid)
        except Exception as error:  # noqa: BLE001 - the last resort: log once, answer 500
            log_unhandled(error, request_id=rid, path=scope["path"])
            if not answer.started:
                await send_error(answer.send, "internal_error", rid)

    async def _admitted(
        self, scope: Scope, receive: Receive, headers: Headers, answer: _Answer, request_id: str
    ) -> bool:
        """Whether the request is within its rate limit and the schema is ready; if not,
        the refusal has been answered."""
        if self.rate_limit is not None:
            decision = await self.rate_limit.decide(scope, headers)
            if decision is not None:
                if not decision.allowed:
                    await send_refusal(answer.send, decision, request_id)
                    return False
                answer.headers += decision_headers(decision)
        if (
            self.schema_ready is not None
            and needs_schema(scope["path"])
            and not self.schema_ready()
        ):
            gate = error_response("schema_out_of_date", MESSAGE, request_id=request_id)
            await gate(scope, receive, answer.send)
            return False
        return True


class _Answer:
    """The answer on its way out: the edge's headers go onto its start, and its status is
    kept for the metrics and the access line (500 until one is sent)."""

    __slots__ = ("_send", "headers", "started", "status")

    def __init__(self, send: Send) -> None:
        self._send = send
        self.headers: list[tuple[bytes, bytes]] = []
        self.started = False
        self.status = 500

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
            self.status = message["status"]
            message["headers"] = [*message.get("headers", ()), *self.headers]
        await self._send(message)
