"""Shared test support: services that must be reachable, throwaway databases, builders."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from cloudevents.core.base import BaseCloudEvent
from cloudevents.core.formats.json import JSONFormat
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tessera.domain.access.mailboxes import parse_email
from tessera.domain.tickets.sla import SlaPolicy
from tessera.domain.tickets.ticket import Ticket
from tessera.domain.tickets.values import Priority, parse_description, parse_tags, parse_title
from tessera.infrastructure.persistence.engine import create_engine
from tessera.infrastructure.persistence.tables import metadata

POSTGRES_URL = os.environ.get(
    "TESSERA_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
# In CI (CI=true) or with TESSERA_REQUIRE_SERVICES=1 a missing service fails the run.
SERVICES_REQUIRED = (
    os.environ.get("CI", "").lower() == "true" or os.environ.get("TESSERA_REQUIRE_SERVICES") == "1"
)
# Separate checkouts (worktrees) on one machine must not share test databases.
CHECKOUT_TAG = hashlib.sha256(str(Path(__file__).resolve().parent).encode()).hexdigest()[:6]


def service_missing(name: str, reason: str) -> None:
    message = f"{name} is not reachable: {reason}"
    if SERVICES_REQUIRED:
        pytest.fail(f"{message} (services are required in CI)", pytrace=False)
    pytest.skip(message)


def worker_database_url(worker: str) -> str:
    """A database of this checkout and xdist worker on the test PostgreSQL server."""
    url = make_url(POSTGRES_URL)
    return url.set(database=f"tessera_{CHECKOUT_TAG}_{worker}").render_as_string(
        hide_password=False
    )


async def recreate_postgres_database(url: str) -> None:
    target = make_url(url)
    admin = create_engine(POSTGRES_URL)
    try:
        async with admin.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
            await conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        await admin.dispose()


def postgres_reachable() -> str | None:
    async def probe() -> None:
        engine = create_engine(POSTGRES_URL)
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        finally:
            await engine.dispose()

    try:
        asyncio.run(asyncio.wait_for(probe(), timeout=5))
    except Exception as error:  # noqa: BLE001 - any failure means "not reachable"
        return f"{type(error).__name__}: {error}"
    return None


DATA_TABLES = tuple(t.name for t in reversed(metadata.sorted_tables))


async def truncate_all(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {', '.join(DATA_TABLES)} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


class FrozenClock:
    """A clock the test moves by hand: ``sleep`` returns once ``advance`` has moved the time
    past its end, never by itself, so a loop waits exactly as long as the test says."""

    def __init__(self, now: datetime | None = None) -> None:
        self.current = now or datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        self._sleepers: list[tuple[datetime, asyncio.Future[None]]] = []
        self._asleep = asyncio.Condition()

    def now(self) -> datetime:
        return self.current

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        woken = asyncio.get_running_loop().create_future()
        self._sleepers.append((self.current + timedelta(seconds=seconds), woken))
        async with self._asleep:
            self._asleep.notify_all()
        try:
            await woken
        finally:
            self._sleepers = [(end, f) for end, f in self._sleepers if f is not woken]

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)
        for end, woken in self._sleepers:
            if end <= self.current and not woken.done():
                woken.set_result(None)

    @property
    def sleeping(self) -> int:
        """How many sleeps are waiting for the time to move."""
        return sum(1 for _, woken in self._sleepers if not woken.done())

    async def advance_until(
        self, condition: Callable[[], bool], *, step: float, what: str, within: float = 15.0
    ) -> None:
        """Move the time on by ``step`` seconds at a time until ``condition`` holds: loops
        that went to sleep at any moment wake on the next step. Fails the test after
        ``within`` real seconds."""
        deadline = asyncio.get_running_loop().time() + within
        while not condition():
            if asyncio.get_running_loop().time() > deadline:
                pytest.fail(f"timed out after {within} s waiting for {what}")
            self.advance(seconds=step)
            await asyncio.sleep(0.02)

    async def until_sleeping(self, count: int = 1, *, within: float = 10.0) -> None:
        """Return once ``count`` sleeps wait (the loops under test are idle), failing the
        test after ``within`` real seconds."""
        async with asyncio.timeout(within), self._asleep:
            await self._asleep.wait_for(lambda: self.sleeping >= count)


def make_ticket(
    *,
    title: str = "Cannot log in",
    description: str = "The login page refuses my password.",
    customer_email: str = "ada@example.com",
    priority: Priority = Priority.MEDIUM,
    tags: tuple[str, ...] = (),
    now: datetime | None = None,
    actor: str = "token:1",
    sla: SlaPolicy | None = None,
) -> Ticket:
    return Ticket.open(
        title=parse_title(title),
        description=parse_description(description),
        customer_email=parse_email(customer_email),
        priority=priority,
        tags=parse_tags(tags),
        actor=actor,
        now=now or datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        sla=sla or SlaPolicy(),
    )


def as_text(reply: bytes | str) -> str:
    """A Redis reply as text: redis-py types keys and values as bytes or str."""
    return reply.decode() if isinstance(reply, bytes) else reply


def sdk_cloudevent(document: bytes | dict[str, Any]) -> BaseCloudEvent:
    """``document`` read by the CloudEvents Python SDK, as an integrator's client reads it."""
    raw = document if isinstance(document, bytes) else orjson.dumps(document)
    return JSONFormat().read(None, raw)


# The databases a migration test runs on, as a fixture's params.
BLANK_DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def blank_database_url(
    request: pytest.FixtureRequest, tmp_path: Path, *, worker: str, name: str
) -> str:
    """An empty database of the kind ``request.param`` names: a new SQLite file, or a
    PostgreSQL database made afresh for this worker."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / f'{name}.db'}"
    request.getfixturevalue("postgres_database")  # fails in CI when PostgreSQL is absent
    url = worker_database_url(f"{worker}_{name}")
    asyncio.run(recreate_postgres_database(url))
    return url
