"""What the edge records of each request: the server span (continuing an incoming
``traceparent``), the HTTP metrics and the access line."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Final

import structlog
from opentelemetry import propagate, trace
from opentelemetry.context import Context
from prometheus_client import Counter, Histogram
from starlette.types import Scope

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


class RequestTelemetry:
    """Metrics and the access line of finished requests. Each (method, route, status) is a
    handful of metric children: they are looked up once."""

    def __init__(self, access_log: AccessLog = structlog_access) -> None:
        self.access_log = access_log
        self._counters: dict[tuple[str, str, int], Any] = {}
        self._histograms: dict[tuple[str, str], Any] = {}

    def observe(self, scope: Scope, span: trace.Span, status: int, started: float) -> None:
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
        if span.is_recording():
            _describe(span, scope, route, status)


def incoming_context(scope: Scope) -> Context | None:
    """The trace context of the request's ``traceparent`` header, if it has one."""
    for name, value in scope["headers"]:
        if name == b"traceparent":
            return propagate.extract({"traceparent": value.decode("latin-1")})
    return None


def server_span(scope: Scope, parent: Context | None) -> trace.Span:
    """The request's server span (non-recording when the sampler leaves it out)."""
    return _tracer.start_span(scope["method"], context=parent, kind=trace.SpanKind.SERVER)


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
