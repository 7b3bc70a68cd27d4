"""A failing statement never carries its bound parameters into a log line, a traceback or a
span event: a webhook secret or a comment body stays in the database's hands."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import structlog
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import Table, insert
from sqlalchemy.exc import DBAPIError

from tessera.bootstrap.logs import configure_logging
from tessera.bootstrap.settings import Environment, Settings
from tessera.infrastructure.persistence.engine import create_engine
from tessera.infrastructure.persistence.tables import comments, webhooks
from tessera.infrastructure.telemetry.tracing import _Traced, instrument_engine
from tessera.presentation.http.errors import log_unhandled
from tests.spans import captured_spans

SECRET = "whsec_do-not-log-me-9f8e7d6c5b4a"
NOW = datetime(2026, 1, 1, tzinfo=UTC)

# Each row breaks a constraint (NOT NULL; a foreign key) while carrying the secret.
FAILING_INSERTS: list[tuple[Table, dict[str, Any]]] = [
    (webhooks, {"url": None, "event_types": [], "secret": SECRET, "created_at": NOW}),
    (
        comments,
        {
            "ticket_id": 987654,
            "author_id": 1,
            "author_role": "agent",
            "body": SECRET,
            "public": False,
            "created_at": NOW,
        },
    ),
]


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    with captured_spans() as captured:
        yield captured


@pytest.mark.parametrize(("table", "row"), FAILING_INSERTS, ids=["webhook", "comment"])
async def test_a_failed_insert_logs_no_bound_parameter(
    database_url: str,
    table: Table,
    row: dict[str, Any],
    spans: InMemorySpanExporter,
    capfd: pytest.CaptureFixture[str],
) -> None:
    engine = create_engine(database_url, echo=True)  # echo too: statements logged, values not
    instrument_engine(engine)

    async def insert_row() -> None:
        async with engine.begin() as conn:
            await conn.execute(insert(table).values(**row))

    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    configure_logging(Settings(env=Environment.PRODUCTION))
    try:
        # Inside a request, as every use case is wrapped (a trace starts at a request).
        request = trace.get_tracer("test").start_as_current_span(
            "POST /v1/anything", kind=trace.SpanKind.SERVER
        )
        with pytest.raises(DBAPIError) as raised, request:
            await _Traced("use_case InsertRow", insert_row)()
        log_unhandled(raised.value, request_id="req-1", path="/v1/anything")
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
        structlog.reset_defaults()
        await engine.dispose()
    captured = capfd.readouterr()
    output = captured.out + captured.err

    assert "unhandled error" in output and "Traceback" in output  # the failure was logged...
    assert SECRET not in output  # ...without the value it carried
    assert SECRET not in str(raised.value)
    events = [event for span in spans.get_finished_spans() for event in span.events]
    assert any(event.name == "exception" for event in events)
    assert all(SECRET not in str(dict(event.attributes or {})) for event in events)
