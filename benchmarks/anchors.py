"""The bare anchors Tessera is measured against: plain FastAPI + asyncpg, no Tessera code.

    uvicorn benchmarks.anchors:app   # BENCH_ANCHOR_DSN=postgresql://... for the database routes

Each route is what a competent engineer writes first with the same stack: a response model,
one pooled connection per request, one statement per read, one transaction per write. The
database has Tessera's schema (migrated and seeded by ``benchmarks.compare``), so both sides
read the same rows through the same indexes.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import asyncpg
from fastapi import FastAPI, HTTPException, Request
from pydantic import BaseModel


class Constant(BaseModel):
    id: int
    title: str
    status: str


class Ticket(BaseModel):
    id: int
    title: str
    description: str
    status: str
    priority: str
    customer_email: str
    assignee_id: int | None
    version: int
    created_at: datetime
    updated_at: datetime
    first_response_due_at: datetime
    resolution_due_at: datetime
    first_responded_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    merged_into_id: int | None


class TicketList(BaseModel):
    data: list[Ticket]


class TicketCreate(BaseModel):
    title: str
    description: str
    customer_email: str


# The columns of the response, spelled out in each statement (no SQL built at run time).
_POINT = (
    "SELECT "
    "id, title, description, status, priority, customer_email, assignee_id, version, "
    "created_at, updated_at, first_response_due_at, resolution_due_at, first_responded_at, "
    "resolved_at, closed_at, merged_into_id "
    "FROM tickets WHERE id = $1"
)
_LIST = (
    "SELECT "
    "id, title, description, status, priority, customer_email, assignee_id, version, "
    "created_at, updated_at, first_response_due_at, resolution_due_at, first_responded_at, "
    "resolved_at, closed_at, merged_into_id "
    "FROM tickets WHERE status = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
)
_INSERT = (
    "INSERT INTO tickets (title, description, status, priority, priority_rank, customer_email, "
    "version, event_sequence, created_at, updated_at, first_response_due_at, resolution_due_at, "
    "paused_seconds) VALUES ($1, $2, 'open', 'medium', 2, $3, 1, 1, $4, $4, $5, $6, 0) "
    "RETURNING "
    "id, title, description, status, priority, customer_email, assignee_id, version, "
    "created_at, updated_at, first_response_due_at, resolution_due_at, first_responded_at, "
    "resolved_at, closed_at, merged_into_id "
)
_OUTBOX = (
    "INSERT INTO outbox (event_id, event_type, ticket_id, sequence, actor, occurred_at, data) "
    "VALUES ($1, 'ticket.created', $2, 1, 'anchor', $3, $4)"
)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    dsn = os.environ.get("BENCH_ANCHOR_DSN")
    app.state.pool = await asyncpg.create_pool(dsn, min_size=10, max_size=10) if dsn else None
    yield
    if app.state.pool is not None:
        await app.state.pool.close()


app = FastAPI(lifespan=lifespan)


@app.get("/json", response_model=Constant)
async def constant() -> Constant:
    return Constant(id=1, title="constant", status="open")


@app.get("/tickets/{ticket_id}", response_model=Ticket)
async def point_read(ticket_id: int, request: Request) -> Ticket:
    async with request.app.state.pool.acquire() as conn:
        row = await conn.fetchrow(_POINT, ticket_id)
    if row is None:
        raise HTTPException(status_code=404)
    return Ticket(**row)


@app.get("/tickets", response_model=TicketList)
async def list_by_status(request: Request, status: str = "open", limit: int = 25) -> TicketList:
    async with request.app.state.pool.acquire() as conn:
        rows = await conn.fetch(_LIST, status, limit)
    return TicketList(data=[Ticket(**row) for row in rows])


@app.post("/tickets", response_model=Ticket, status_code=201)
async def insert(body: TicketCreate, request: Request) -> Ticket:
    now = datetime.now(UTC)
    async with request.app.state.pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(
            _INSERT,
            body.title,
            body.description,
            body.customer_email,
            now,
            now + timedelta(hours=8),
            now + timedelta(hours=72),
        )
        data = json.dumps({"title": body.title, "customer_email": body.customer_email})
        await conn.execute(_OUTBOX, str(uuid.uuid4()), row["id"], now, data)
    return Ticket(**row)
