"""The tracer provider's choices: none without an exporter, traces that start only at work
(a request or a message), a ratio for those, and children that follow their parent."""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tessera.infrastructure.telemetry.tracing import Exporter, tracer_provider


def _provider(ratio: float = 1.0) -> tuple[TracerProvider, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = tracer_provider(exporter=Exporter.NONE, extra=exporter, sample_ratio=ratio)
    assert provider is not None
    return provider, exporter


def test_without_an_exporter_there_is_no_provider_and_so_no_span_work() -> None:
    assert tracer_provider(exporter=Exporter.NONE) is None


def test_requests_and_messages_start_traces_and_their_children_are_recorded() -> None:
    provider, exporter = _provider()
    tracer = provider.get_tracer("t")
    for kind in (trace.SpanKind.SERVER, trace.SpanKind.CONSUMER):
        with (
            tracer.start_as_current_span("work", kind=kind),
            tracer.start_as_current_span("statement", kind=trace.SpanKind.CLIENT),
        ):
            pass
    assert [s.name for s in exporter.get_finished_spans()] == ["statement", "work"] * 2


def test_a_statement_or_use_case_outside_any_request_starts_no_trace() -> None:
    provider, exporter = _provider()
    tracer = provider.get_tracer("t")
    for kind in (trace.SpanKind.CLIENT, trace.SpanKind.INTERNAL, trace.SpanKind.PRODUCER):
        with tracer.start_as_current_span("poll", kind=kind) as span:
            assert not span.is_recording()
            with tracer.start_as_current_span("inner", kind=trace.SpanKind.SERVER) as inner:
                assert not inner.is_recording()  # the parent's decision holds
    assert exporter.get_finished_spans() == ()


def test_the_ratio_samples_that_share_of_requests() -> None:
    provider, exporter = _provider(ratio=0.25)
    tracer = provider.get_tracer("t")
    for _ in range(2000):
        with (
            tracer.start_as_current_span("GET /x", kind=trace.SpanKind.SERVER),
            tracer.start_as_current_span("use_case"),
        ):
            pass
    finished = exporter.get_finished_spans()
    roots = [s for s in finished if s.parent is None]
    assert 400 <= len(roots) <= 600
    assert len(finished) == 2 * len(roots)  # a sampled request is traced whole


def test_a_caller_that_sampled_its_trace_is_followed_even_at_ratio_zero() -> None:
    provider, exporter = _provider(ratio=0.0)
    tracer = provider.get_tracer("t")
    sampled = trace.SpanContext(
        trace_id=0x4BF92F3577B34DA6A3CE929D0E0E4736,
        span_id=0x00F067AA0BA902B7,
        is_remote=True,
        trace_flags=trace.TraceFlags(trace.TraceFlags.SAMPLED),
    )
    parent = trace.set_span_in_context(trace.NonRecordingSpan(sampled))
    with tracer.start_as_current_span("GET /x", context=parent, kind=trace.SpanKind.SERVER):
        pass
    with tracer.start_as_current_span("GET /y", kind=trace.SpanKind.SERVER):
        pass
    [span] = exporter.get_finished_spans()
    assert span.name == "GET /x"
    assert span.context.trace_id == sampled.trace_id
