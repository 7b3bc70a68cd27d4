"""Workers as ``tessera worker`` runs them, with consumers that record what they handle."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Self

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.application.events.cloudevents import CloudEvent
from tessera.bootstrap.container import Container, build_container
from tessera.bootstrap.events import run_tasks
from tessera.bootstrap.settings import DatabaseSettings, Environment, EventSettings, Settings
from tessera.domain.access.principal import Principal, Role
from tessera.infrastructure.persistence.tables import outbox

ADMIN = Principal(token_id=1, user_id=1, name="admin", role=Role.ADMIN)


@dataclass
class Recorder:
    """An EventConsumer that remembers every event it was handed, in order."""

    group: str
    seen: list[CloudEvent] = field(default_factory=list)

    def wants(self, event_type: str) -> bool:
        return True

    async def handle(self, event: CloudEvent) -> None:
        self.seen.append(event)


def worker_settings(
    database_url: str,
    broker_url: str | None,
    *,
    namespace: str = "tessera",
    max_deliveries: int = 5,
) -> Settings:
    return Settings(
        env=Environment.TEST,
        database=DatabaseSettings(url=database_url),
        broker_url=broker_url,
        namespace=namespace,
        events=EventSettings(
            relay_poll_seconds=0.1,
            relay_retry_seconds=0.1,
            shutdown_grace_seconds=5,
            max_deliveries=max_deliveries,
        ),
    )


class Worker:
    """A container running its worker tasks (relay + one subscription per group)."""

    def __init__(self, settings: Settings, groups: tuple[str, ...]) -> None:
        self.container: Container = build_container(settings)
        self.recorders = {group: Recorder(group) for group in groups}
        self.container.consumers.extend(self.recorders.values())
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Self:
        tasks = self.container.worker_tasks()
        self._task = asyncio.create_task(run_tasks(tasks, self._stop, grace=5))
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._task is not None:
            await self._task
        await self.container.close()


async def eventually(condition: Callable[[], bool], *, within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {within} s waiting for {what}")
        await asyncio.sleep(0.05)


async def insert_synthetic_events(
    engine: AsyncEngine, *, tickets: int, per_ticket: int
) -> set[str]:
    """Outbox rows as the unit of work writes them, in bulk; returns their event ids."""
    now = datetime.now(UTC)
    rows = [
        {
            "event_id": str(uuid.uuid4()),
            "event_type": "ticket.updated",
            "ticket_id": ticket,
            "sequence": sequence,
            "actor": "token:1",
            "occurred_at": now,
            "data": {"changes": {"priority": {"old": "low", "new": "high"}}},
            "traceparent": None,
        }
        for sequence in range(1, per_ticket + 1)
        for ticket in range(1, tickets + 1)
    ]
    async with engine.begin() as conn:
        await conn.execute(insert(outbox), rows)
    return {str(row["event_id"]) for row in rows}


def in_ticket_order(events: list[CloudEvent]) -> dict[int, list[int]]:
    """Each ticket's sequences in the order they were handled (people events left out)."""
    order: dict[int, list[int]] = {}
    for event in events:
        if event.subject_kind == "ticket":
            order.setdefault(event.ticket_id, []).append(event.sequence)
    return order
