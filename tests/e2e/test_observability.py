"""Traces, metrics, logs and readiness, observed from outside as an operator would."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator

import httpx
import pytest
import structlog
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import select

from tessera.bootstrap.container import build_container
from tessera.bootstrap.logs import configure_logging
from tessera.bootstrap.settings import DatabaseSettings, Environment, Settings
from tessera.infrastructure.messaging.dispatcher import ConsumerDispatcher
from tessera.infrastructure.persistence.mappers import cloud_event_from_row
from tessera.infrastructure.persistence.tables import outbox
from tessera.presentation.http.app import create_app
from tests.e2e.conftest import ADMIN_SECRET, Api
from tests.integration.event_harness import Recorder
from tests.openapi_check import CHECKED
from tests.servers import free_port
from tests.spans import captured_spans


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """Finished spans of this test."""
    with captured_spans() as captured:
        yield captured


def _statement(span: ReadableSpan) -> str:
    attributes = span.attributes or {}
    return str(attributes.get("db.statement") or attributes.get("db.query.text") or "")


def _ancestors(span: ReadableSpan, by_id: dict[int, ReadableSpan]) -> list[str]:
    names = []
    while span.parent is not None and span.parent.span_id in by_id:
        span = by_id[span.parent.span_id]
        names.append(span.name)
    return names


async def test_a_create_is_traced_from_http_through_the_outbox_to_a_consumer(
    api: Api, spans: InMemorySpanExporter
) -> None:
    created = await api.create_ticket()
    finished = spans.get_finished_spans()
    by_id = {span.context.span_id: span for span in finished}
    [server] = [s for s in finished if s.kind is trace.SpanKind.SERVER and s.parent is None]
    assert server.name == "POST /v1/tickets"
    [use_case] = [s for s in finished if s.name == "use_case CreateTicketHandler"]
    inserts = {
        table: [s for s in finished if _statement(s).startswith(f"INSERT INTO {table}")]
        for table in ("tickets", "outbox")
    }
    assert use_case.parent is not None and use_case.parent.span_id == server.context.span_id
    for table, found in inserts.items():
        assert found, f"no span for the {table} insert"
        assert _ancestors(found[0], by_id)[:2] == [
            "use_case CreateTicketHandler",
            "POST /v1/tickets",
        ]
    trace_id = server.context.trace_id
    assert {s.context.trace_id for s in (use_case, *inserts["outbox"])} == {trace_id}

    async with api.container.engine.connect() as conn:
        row = (
            (await conn.execute(select(outbox).where(outbox.c.ticket_id == created["id"])))
            .mappings()
            .one()
        )
    event = cloud_event_from_row(row)
    assert event.traceparent is not None
    assert event.traceparent.split("-")[1] == format(trace_id, "032x")
    spans.clear()
    await ConsumerDispatcher(api.container.engine, [Recorder("audit")]).dispatch(event)
    [consumed] = [s for s in spans.get_finished_spans() if s.name == "consume ticket.created"]
    assert consumed.context.trace_id == trace_id
    assert consumed.kind is trace.SpanKind.CONSUMER


def _sample(metrics: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in metrics.splitlines():
        match = re.match(rf"^{name}\{{(.*)\}} (\S+)$", line)
        if match and ",".join(sorted(match.group(1).split(","))) == wanted:
            return float(match.group(2))
    return 0.0


async def test_the_request_and_cache_metrics_move(api: Api) -> None:
    ticket = await api.create_ticket()
    route = {"method": "GET", "route": "/v1/tickets/{ticket_id}", "status": "200"}

    async def scrape() -> str:
        response = await api.client.get("/metrics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        return response.text

    before = await scrape()
    for _ in range(7):
        assert (await api.client.get(f"/v1/tickets/{ticket['id']}", headers=api.admin)).is_success
    after = await scrape()

    grown = _sample(after, "tessera_http_requests_total", **route) - _sample(
        before, "tessera_http_requests_total", **route
    )
    assert grown == 7
    hits = {"level": "l1", "result": "hit"}
    assert (
        _sample(after, "tessera_cache_requests_total", **hits)
        >= _sample(before, "tessera_cache_requests_total", **hits) + 6
    )  # the first read may fill the cache, the others hit it
    assert _sample(after, "tessera_http_request_duration_seconds_count", method="GET",
                   route="/v1/tickets/{ticket_id}") > 0  # fmt: skip
    assert "tessera_db_pool_connections" in after
    assert "tessera_outbox_backlog" in after


async def test_readiness_names_the_dead_database_while_liveness_stays_up() -> None:
    dead = f"postgresql://postgres@127.0.0.1:{free_port()}/nowhere"
    container = build_container(Settings(env=Environment.TEST, database=DatabaseSettings(url=dead)))
    app = create_app(container.services)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(
            transport=transport, base_url="http://t", event_hooks=CHECKED
        ) as client:
            live = await client.get("/livez")
            ready = await client.get("/readyz")
            write = await client.get(
                "/v1/tickets", headers={"Authorization": f"Bearer {ADMIN_SECRET}"}
            )
    finally:
        await container.close()
    assert live.status_code == 200
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"] == {
        "status": "failed",
        "code": "database_unavailable",
        "error": ready.json()["checks"]["database"]["error"],
    }
    assert write.status_code == 503
    assert write.json()["code"] == "service_unavailable"


async def test_one_json_access_line_per_request_and_no_secret_in_any_log(
    api: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    configure_logging(api.container.settings, json=True)
    try:
        ticket = await api.create_ticket()
        await api.client.get(
            f"/v1/tickets/{ticket['id']}", headers={**api.admin, "X-Request-ID": "req-42"}
        )
        await api.client.get("/v1/tickets", headers={"Authorization": "Bearer tsr_wrong-secret"})
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
        structlog.reset_defaults()
    output = capsys.readouterr().err
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    access = [line for line in lines if line.get("event") == "request"]
    [read] = [line for line in access if line.get("request_id") == "req-42"]
    assert read["route"] == "/v1/tickets/{ticket_id}"
    assert read["method"] == "GET"
    assert read["status"] == 200
    assert read["principal_id"] == 1 and read["role"] == "admin"
    assert re.fullmatch(r"[0-9a-f]{32}", read["trace_id"])
    assert isinstance(read["duration_ms"], float)
    assert [line["status"] for line in access] == [201, 200, 401]
    assert ADMIN_SECRET not in output
    assert "tsr_wrong-secret" not in output


async def test_secrets_inside_an_unhandled_error_never_reach_the_log(
    api: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    leaky = (
        f"boom: Bearer {ADMIN_SECRET} tsr_another-secret-token "
        "postgresql://tessera:hunter2@db.internal/tessera"
    )

    async def explode(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError(leaky)

    api.container.services.list_tickets._handler = explode  # type: ignore[attr-defined]
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    configure_logging(api.container.settings, json=True)
    try:
        response = await api.client.get("/v1/tickets", headers=api.admin)
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
        structlog.reset_defaults()
    output = capsys.readouterr().err

    assert response.status_code == 500
    assert response.json()["error"] == "Internal server error"
    assert "boom" in output  # the error was logged...
    for secret in (ADMIN_SECRET, "tsr_another-secret-token", "hunter2"):
        assert secret not in output  # ...without what it carried
