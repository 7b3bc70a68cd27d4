"""One pass per request: the server span (continuing an incoming ``traceparent``), the HTTP
metrics, and the access log line."""

from __future__ import annotations

import time
from typing import Any, Final

import structlog
from opentelemetry import propagate, trace
from prometheus_client import Counter, Histogram
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUESTS: Final = Counter(
    "tessera_http_requests_total",
    "HTTP requests by route and status",
    ["method", "route", "status"],
)
LATENCY: Final = Histogram(
    "tessera_http_request_duration_seconds",
    "HTTP request latency by route",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)

_tracer = trace.get_tracer("tessera.http")
_access = structlog.get_logger("tessera.access")


class TelemetryMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method: str = scope["method"]
        started = time.perf_counter()
        status = 500
        parent = propagate.extract({"traceparent": Headers(scope=scope).get("traceparent", "")})

        async def observed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        with _tracer.start_as_current_span(
            method, context=parent, kind=trace.SpanKind.SERVER
        ) as span:
            try:
                await self.app(scope, receive, observed_send)
            finally:
                route = _route(scope)
                duration = time.perf_counter() - started
                span.update_name(f"{method} {route}")
                span.set_attribute("http.request.method", method)
                span.set_attribute("http.route", route)
                span.set_attribute("http.response.status_code", status)
                REQUESTS.labels(method=method, route=route, status=str(status)).inc()
                LATENCY.labels(method=method, route=route).observe(duration)
                _log(scope, span, method, route, status, duration)


def _route(scope: Scope) -> str:
    """The route template (``/v1/tickets/{ticket_id}``): bounded label values."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


def _log(scope: Scope, span: Any, method: str, route: str, status: int, duration: float) -> None:
    state = scope.get("state", {})
    principal = state.get("principal")
    context = span.get_span_context()
    _access.info(
        "request",
        request_id=state.get("request_id"),
        trace_id=format(context.trace_id, "032x") if context.is_valid else None,
        method=method,
        route=route,
        status=status,
        duration_ms=round(duration * 1000, 2),
        principal_id=getattr(principal, "token_id", None),
        role=getattr(getattr(principal, "role", None), "value", None),
    )
