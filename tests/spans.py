"""The test process records spans: one tracer provider, installed before any container, with
an exporter that keeps finished spans only while a test is capturing them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tessera.infrastructure.telemetry.tracing import Exporter, configure_tracing


class CapturedSpans(InMemorySpanExporter):
    def __init__(self) -> None:
        super().__init__()
        self.capturing = False

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        if not self.capturing:  # a whole test run of spans would pile up otherwise
            return SpanExportResult.SUCCESS
        return super().export(spans)


SPANS = CapturedSpans()


def install_tracing() -> None:
    """The process-wide provider (as a deployment with an exporter has), sampling everything."""
    configure_tracing(exporter=Exporter.NONE, extra=SPANS)


@contextmanager
def captured_spans() -> Iterator[CapturedSpans]:
    SPANS.clear()
    SPANS.capturing = True
    try:
        yield SPANS
    finally:
        SPANS.capturing = False
        SPANS.clear()
