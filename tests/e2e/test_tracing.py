"""Server spans with the HTTP semantic conventions' attributes; no span without an exporter
(the caller's trace still passed on); an idle server traces nothing."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import httpx
import pytest
from opentelemetry import trace
from sqlalchemy import select

from tessera.bootstrap.container import build_container
from tessera.bootstrap.events import run_tasks
from tessera.infrastructure.persistence.tables import outbox
from tessera.presentation.http.app import create_app
from tests.e2e.conftest import ADMIN_SECRET, Api, settings_for
from tests.spans import captured_spans

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"
TICKET = {"title": "Printer", "description": "It is on fire.", "customer_email": "c@example.com"}


async def test_server_spans_carry_route_path_scheme_method_and_status(api: Api) -> None:
    ticket = await api.create_ticket()
    with captured_spans() as spans:
        found = await api.client.get(f"/v1/tickets/{ticket['id']}", headers=api.admin)
        missing = await api.client.get("/v1/tickets/999999", headers=api.admin)
        finished = spans.get_finished_spans()
    assert (found.status_code, missing.status_code) == (200, 404)
    servers = [s for s in finished if s.kind is trace.SpanKind.SERVER]
    assert [s.name for s in servers] == ["GET /v1/tickets/{ticket_id}"] * 2
    assert [dict(s.attributes or {}) for s in servers] == [
        {
            "http.request.method": "GET",
            "http.route": "/v1/tickets/{ticket_id}",
            "url.path": path,
            "url.scheme": "http",
            "http.response.status_code": status,
        }
        for path, status in ((f"/v1/tickets/{ticket['id']}", 200), ("/v1/tickets/999999", 404))
    ]


async def test_without_tracing_the_edge_makes_no_span_and_the_callers_trace_reaches_the_event(
    api: Api,
) -> None:
    app = create_app(api.container.services, tracing=False)
    transport = httpx.ASGITransport(app=app)
    headers = {**api.admin, "traceparent": TRACEPARENT}
    with captured_spans() as spans:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            created = await client.post(
                "/v1/tickets",
                headers=headers,
                json=TICKET,
            )
        finished = spans.get_finished_spans()
    assert created.status_code == 201, created.text
    # (The use case's own spans here come from the test process's provider, which follows the
    # caller's sampled trace; a server without an exporter has none.)
    assert [s.name for s in finished if s.kind is trace.SpanKind.SERVER] == []
    assert {s.context.trace_id for s in finished} == {int(TRACE_ID, 16)}
    async with api.container.engine.connect() as conn:
        traceparent = await conn.scalar(
            select(outbox.c.traceparent).where(outbox.c.ticket_id == created.json()["id"])
        )
    assert traceparent is not None and traceparent.split("-")[1] == TRACE_ID


@pytest.mark.timing  # five seconds of wall-clock time with every background loop running
async def test_an_idle_server_exports_no_spans_and_traces_the_work(
    tmp_path: Path, sqlite_template: Path
) -> None:
    path = tmp_path / "idle.db"
    shutil.copy(sqlite_template, path)
    container = build_container(settings_for(f"sqlite+aiosqlite:///{path}"))
    await container.start()
    stop = asyncio.Event()
    loops = asyncio.create_task(run_tasks(container.serve_tasks(), stop, grace=5))
    try:
        with captured_spans() as spans:
            await asyncio.sleep(5)
            idle = [s.name for s in spans.get_finished_spans()]
            app = create_app(container.services)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                created = await client.post(
                    "/v1/tickets",
                    headers={"Authorization": f"Bearer {ADMIN_SECRET}"},
                    json=TICKET,
                )
            await asyncio.sleep(1.5)  # the relay's poll and the consumers
            work = spans.get_finished_spans()
    finally:
        stop.set()
        await loops
        await container.close()
    assert idle == []
    assert created.status_code == 201, created.text
    roots = [s for s in work if s.parent is None]
    assert [s.name for s in roots] == ["POST /v1/tickets"]
    consumed = [s for s in work if s.name == "consume ticket.created"]
    assert consumed, "the event's consumers were not traced"
    assert {s.context.trace_id for s in work} == {roots[0].context.trace_id}
