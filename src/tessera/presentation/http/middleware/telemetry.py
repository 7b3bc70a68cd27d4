"""One pass per request: the server span (continuing an incoming ``traceparent``), the HTTP
metrics, and the access log line."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Final

import structlog
from opentelemetry import context, propagate, trace
from prometheus_client import Counter, Histogram
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

# Writes one access line from its fields (request_id, trace_id, method, route, status,
# duration_ms, principal_id, role).
AccessLog = Callable[[dict[str, Any]], None]


def structlog_access(fields: dict[str, Any]) -> None:
    """The access line through the logging chain (console rendering in development)."""
    _access.info("request", **fields)


class TelemetryMiddleware:
    """``tracing=False`` (no exporter): no span at all; an incoming ``traceparent`` is still
    made current, so that the access line and the events of the request carry it on."""

    def __init__(
        self, app: ASGIApp, *, tracing: bool = True, access_log: AccessLog = structlog_access
    ) -> None:
        self.app = app
        self.tracing = tracing
        self.access_log = access_log
        # Each (method, route, status) is a handful of children: look them up once.
        self._counters: dict[tuple[str, str, int], Any] = {}
        self._histograms: dict[tuple[str, str], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def observed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        traceparent = _traceparent(scope)
        if not self.tracing:
            token = None
            if traceparent is not None:
                token = context.attach(propagate.extract({"traceparent": traceparent}))
            try:
                await self.app(scope, receive, observed_send)
            finally:
                self._observe(scope, trace.get_current_span(), status, started)
                if token is not None:
                    context.detach(token)
            return
        parent = propagate.extract({"traceparent": traceparent}) if traceparent else None
        method: str = scope["method"]
        with _tracer.start_as_current_span(
            method, context=parent, kind=trace.SpanKind.SERVER
        ) as span:
            try:
                await self.app(scope, receive, observed_send)
            finally:
                route = self._observe(scope, span, status, started)
                if span.is_recording():
                    _describe(span, scope, route, status)

    def _observe(self, scope: Scope, span: trace.Span, status: int, started: float) -> str:
        """Metrics and the access line; returns the route template."""
        method: str = scope["method"]
        route = _route(scope)
        duration = time.perf_counter() - started
        counter = self._counters.get((method, route, status))
        if counter is None:
            counter = REQUESTS.labels(method=method, route=route, status=str(status))
            self._counters[(method, route, status)] = counter
        counter.inc()
        histogram = self._histograms.get((method, route))
        if histogram is None:
            histogram = self._histograms[(method, route)] = LATENCY.labels(method, route)
        histogram.observe(duration)
        self.access_log(_access_fields(scope, span, method, route, status, duration))
        return route


def _traceparent(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"traceparent":
            return str(value.decode("latin-1"))
    return None


def _describe(span: trace.Span, scope: Scope, route: str, status: int) -> None:
    """The HTTP semantic conventions' server span attributes."""
    method: str = scope["method"]
    span.update_name(f"{method} {route}")
    span.set_attributes(
        {
            "http.request.method": method,
            "http.route": route,
            "url.path": scope["path"],
            "url.scheme": scope.get("scheme", "http"),
            "http.response.status_code": status,
        }
    )
    if status >= 500:
        span.set_status(trace.StatusCode.ERROR)


def _route(scope: Scope) -> str:
    """The route template (``/v1/tickets/{ticket_id}``): bounded label values."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


def _access_fields(
    scope: Scope, span: trace.Span, method: str, route: str, status: int, duration: float
) -> dict[str, Any]:
    state = scope.get("state", {})
    principal = state.get("principal")
    span_context = span.get_span_context()
    return {
        "request_id": state.get("request_id"),
        "trace_id": format(span_context.trace_id, "032x") if span_context.is_valid else None,
        "method": method,
        "route": route,
        "status": status,
        "duration_ms": round(duration * 1000, 2),
        "principal_id": getattr(principal, "token_id", None),
        "role": getattr(getattr(principal, "role", None), "value", None),
    }
