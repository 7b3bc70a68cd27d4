"""OpenTelemetry: the tracer provider, spans around use cases and consumers, and the W3C
trace context that travels inside each event."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from typing import Any, TypeVar

from opentelemetry import metrics, propagate, trace
from opentelemetry.context import Context
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_OFF,
    ParentBased,
    Sampler,
    SamplingResult,
    TraceIdRatioBased,
)
from opentelemetry.util.types import Attributes
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.application.events.cloudevents import CloudEvent
from tessera.application.services import Services

T = TypeVar("T")

tracer = trace.get_tracer("tessera")


class Exporter(StrEnum):
    NONE = "none"  # no spans at all: an incoming traceparent is passed on, nothing recorded
    CONSOLE = "console"
    OTLP = "otlp"  # OTLP over HTTP; endpoint from OTEL_EXPORTER_OTLP_ENDPOINT or settings


# A trace starts where work arrives: a request (server span) or a message (consumer span).
# A root of any other kind is a background loop's own statement or use case (the relay's,
# the webhook queue's, the SLA job's polls), traced only inside the work that caused it.
_TRACE_ROOTS = frozenset({trace.SpanKind.SERVER, trace.SpanKind.CONSUMER})


class WorkSampler(Sampler):
    """Root spans of requests and messages at ``ratio``; every other root span dropped."""

    def __init__(self, ratio: float) -> None:
        self._ratio = TraceIdRatioBased(ratio)

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: trace.SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[trace.Link] | None = None,
        trace_state: trace.TraceState | None = None,
    ) -> SamplingResult:
        if kind not in _TRACE_ROOTS:
            return ALWAYS_OFF.should_sample(parent_context, trace_id, name, kind)
        return self._ratio.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        return f"WorkSampler({self._ratio.rate})"


def tracer_provider(
    *,
    exporter: Exporter,
    service_name: str = "tessera",
    endpoint: str | None = None,
    extra: SpanExporter | None = None,
    sample_ratio: float = 1.0,
) -> TracerProvider | None:
    """The provider for these settings; None when nothing would receive a span, so that no
    span is made at all (the API's no-op tracer then passes incoming trace context on)."""
    if exporter is Exporter.NONE and extra is None:
        return None
    provider = TracerProvider(
        resource=Resource.create({"service.name": service_name}),
        # Children follow their parent's decision: a trace is whole or absent.
        sampler=ParentBased(root=WorkSampler(sample_ratio)),
    )
    if exporter is Exporter.CONSOLE:
        provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
    elif exporter is Exporter.OTLP:
        # Imported only when chosen: the exporter and its protobuf runtime take about as
        # long to import as the rest of OpenTelemetry.
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # noqa: PLC0415
            OTLPSpanExporter,
        )

        otlp = OTLPSpanExporter(endpoint=endpoint) if endpoint else OTLPSpanExporter()
        provider.add_span_processor(BatchSpanProcessor(otlp))
    if extra is not None:
        provider.add_span_processor(SimpleSpanProcessor(extra))
    return provider


def configure_tracing(
    *,
    exporter: Exporter,
    service_name: str = "tessera",
    endpoint: str | None = None,
    extra: SpanExporter | None = None,
    sample_ratio: float = 1.0,
) -> TracerProvider | None:
    """Install the process-wide tracer provider (once; later calls add nothing)."""
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        return current
    provider = tracer_provider(
        exporter=exporter,
        service_name=service_name,
        endpoint=endpoint,
        extra=extra,
        sample_ratio=sample_ratio,
    )
    if provider is not None:
        trace.set_tracer_provider(provider)
    return provider


def tracing_enabled() -> bool:
    """Whether spans are recorded in this process (a tracer provider is installed)."""
    return isinstance(trace.get_tracer_provider(), TracerProvider)


_connections = metrics.get_meter("tessera.db").create_up_down_counter(
    "db.client.connections.usage", unit="connections"
)


def instrument_engine(engine: AsyncEngine) -> None:
    """A span per SQL statement, child of whatever span is current (per engine: the
    instrumentor's global switch would trace only the first engine of a process)."""
    EngineTracer(  # type: ignore[no-untyped-call]  # the library ships no annotations here
        trace.get_tracer("tessera.sql"), engine.sync_engine, _connections
    )


def current_traceparent() -> str | None:
    """The current span as a W3C ``traceparent``, for the outbox row of each event."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")


def current_trace_id() -> str | None:
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None


@contextmanager
def consumer_span(event: CloudEvent, *, group: str) -> Iterator[None]:
    """Continue the trace of the request that caused ``event``."""
    parent = propagate.extract({"traceparent": event.traceparent} if event.traceparent else {})
    with tracer.start_as_current_span(
        f"consume {event.type}",
        context=parent,
        kind=trace.SpanKind.CONSUMER,
        attributes={
            "messaging.consumer.group.name": group,
            "messaging.message.id": event.id,
            "tessera.subject": event.subject,
            **({"tessera.ticket_id": event.ticket_id} if event.subject_kind == "ticket" else {}),
        },
    ):
        yield


class _Traced:
    """A use case called inside a span named after it."""

    def __init__(self, name: str, handler: Any) -> None:
        self._name = name
        self._handler = handler

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with tracer.start_as_current_span(self._name):
            return await self._handler(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handler, name)


def traced_services(services: Services) -> Services:
    """Every use case wrapped in a span (a decorator applied in the composition root); as
    they are when no span is recorded in this process."""
    if not tracing_enabled():
        return services
    wrapped: dict[str, Any] = {}
    for field in dataclasses.fields(services):
        handler = getattr(services, field.name)
        if callable(handler):
            wrapped[field.name] = _Traced(f"use_case {type(handler).__name__}", handler)
    return dataclasses.replace(services, **wrapped)
