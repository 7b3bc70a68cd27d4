"""Sends webhook deliveries: signed CloudEvents over HTTP POST, retried with backoff.

Each claimed delivery is sent by its own task, so a slow target only ever occupies its own
slots: at most ``per_target`` requests to one webhook at a time, ``concurrency`` in all, and
each bounded by ``timeout``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from types import TracebackType

import httpx
import orjson
from sqlalchemy import RowMapping, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.application.ports.clock import Clock
from tessera.domain.webhooks.webhook import DeliveryState, Webhook
from tessera.infrastructure.clock import SystemClock
from tessera.infrastructure.outbound.queue import backoff, claim_due
from tessera.infrastructure.persistence.engine import writer
from tessera.infrastructure.persistence.tables import webhook_attempts, webhook_deliveries, webhooks
from tessera.infrastructure.waiting import wait_any
from tessera.infrastructure.webhooks.disabling import abandon, disable_when_failing
from tessera.infrastructure.webhooks.signing import signature_headers
from tessera.infrastructure.webhooks.store import webhook_from_row
from tessera.infrastructure.webhooks.targets import (
    CheckedTransport,
    RefusedTargetError,
    Resolver,
    system_resolver,
)

logger = logging.getLogger("tessera.webhooks")


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookPolicy:
    timeout: float = 10.0
    # SPEC §12: retries span at least 24 h. Each delay is 3/4 to all of 30 s * 4**(n-1),
    # capped at 8 h: the 10th attempt comes 26 to 35 h after the first.
    max_attempts: int = 10
    retry_base: timedelta = timedelta(seconds=30)
    retry_factor: int = 4
    retry_floor: float = 0.75
    retry_cap: timedelta = timedelta(hours=8)
    concurrency: int = 32
    per_target: int = 4
    allow_private: bool = False
    poll_interval: float = 1.0


@dataclass(frozen=True, slots=True)
class Outcome:
    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class WebhookSender:
    """A BackgroundTask. ``on_outcome`` (if given) hears each attempt's outcome (``succeeded``,
    ``failed``, ``dead``), for metrics. Connections go only to addresses checked when they
    are made (see targets.py); ``resolver`` and ``clock`` are there to be replaced in tests.
    Outside ``run``, use it as ``async with sender:`` around ``send_due`` and ``drain``."""

    name = "webhook-sender"

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        policy: WebhookPolicy = WebhookPolicy(),
        wake: asyncio.Event | None = None,
        resolver: Resolver = system_resolver,
        clock: Clock | None = None,
        on_outcome: Callable[[str], None] | None = None,
    ) -> None:
        self._engine = engine
        self._on_outcome = on_outcome
        self._policy = policy
        self._wake = wake or asyncio.Event()
        self._resolver = resolver
        self._clock = clock or SystemClock()
        self._client: httpx.AsyncClient | None = None
        self._in_flight: dict[asyncio.Task[None], int] = {}

    async def __aenter__(self) -> WebhookSender:
        self._client = httpx.AsyncClient(
            transport=CheckedTransport(
                resolver=self._resolver, allow_private=self._policy.allow_private
            ),
            timeout=self._policy.timeout,
            follow_redirects=False,
            trust_env=False,  # a proxy from the environment would connect unchecked
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.drain()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def run(self, stop: asyncio.Event) -> None:
        async with self:
            while not stop.is_set():
                self._wake.clear()
                try:
                    started = await self.send_due()
                except Exception:
                    logger.exception("claiming webhook deliveries failed; retrying")
                    started = 0
                if started == 0:
                    await wait_any(stop, self._wake, seconds=self._policy.poll_interval)
            # leaving lets the sends in progress finish (each is bounded by the timeout)

    async def send_due(self) -> int:
        """Claim what is due and free to send, start a task for each; returns how many."""
        busy = Counter(self._in_flight.values())
        saturated = [hook for hook, n in busy.items() if n >= self._policy.per_target]
        rows = await claim_due(
            self._engine,
            webhook_deliveries,
            now=self._clock.now(),
            lease=timedelta(seconds=self._policy.timeout * 2 + 5),
            limit=self._policy.concurrency - len(self._in_flight),
            skip=("webhook_id", saturated),
        )
        for row in rows:
            task = asyncio.create_task(self._deliver(row))
            self._in_flight[task] = row["webhook_id"]
            task.add_done_callback(self._finished)
        return len(rows)

    async def drain(self) -> None:
        """Wait for the sends in flight (tests, shutdown)."""
        await asyncio.gather(*self._in_flight, return_exceptions=True)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._in_flight.pop(task, None)
        self._wake.set()  # a slot is free
        if not task.cancelled() and task.exception() is not None:
            logger.error("webhook delivery crashed", exc_info=task.exception())

    async def _deliver(self, delivery: RowMapping) -> None:
        async with self._engine.connect() as conn:
            row = (
                (
                    await conn.execute(
                        select(webhooks).where(webhooks.c.id == delivery["webhook_id"])
                    )
                )
                .mappings()
                .first()
            )
        if row is None:  # deleted meanwhile (its deliveries go with it)
            return
        hook = webhook_from_row(row)
        if not hook.active:  # disabled meanwhile: kept dead for a redelivery once re-enabled
            await self._abandon(delivery)
            return
        body = orjson.dumps(delivery["payload"])
        started = time.perf_counter()
        try:
            outcome = await self._post(hook, delivery, body)
        except RefusedTargetError as refused:  # for good: a redelivery may try again
            elapsed = int((time.perf_counter() - started) * 1000)
            await self._record(delivery, Outcome(None, str(refused), elapsed), final=True)
            return
        await self._record(delivery, outcome, final=False)

    async def _abandon(self, delivery: RowMapping) -> None:
        async with writer(self._engine).begin() as conn:
            await abandon(conn, [delivery["id"]], webhook_id=delivery["webhook_id"])

    async def _post(self, hook: Webhook, delivery: RowMapping, body: bytes) -> Outcome:
        """Raises RefusedTargetError; every other failure is an Outcome."""
        assert self._client is not None, "use the sender as `async with sender:`"
        now = self._clock.now()
        headers = {
            "Content-Type": "application/cloudevents+json",
            "User-Agent": "Tessera-Webhooks/1",
            "Tessera-Event-Id": delivery["event_id"],
            "Tessera-Event-Type": delivery["event_type"],
            "Tessera-Delivery-Id": str(delivery["id"]),
            # The event id is the message id: the same on every attempt, so a receiver
            # deduplicates by it.
            **signature_headers(
                hook.signing_secrets(now),
                message_id=delivery["event_id"],
                timestamp=int(now.timestamp()),
                body=body,
            ),
        }
        started = time.perf_counter()
        try:
            response = await self._client.post(
                hook.url, content=body, headers=headers, timeout=self._policy.timeout
            )
        except httpx.TimeoutException:
            error: str | None = f"timed out after {self._policy.timeout:g} s"
            status = None
        except RefusedTargetError:
            raise
        except Exception as failure:  # noqa: BLE001 - connection errors, a URL httpx refuses...
            # ... each is an attempt with its error, retried and dead in the end, never a
            # crash that leaves the delivery uncounted.
            error, status = f"{type(failure).__name__}: {failure}", None
        else:
            status = response.status_code
            error = None if 200 <= status < 300 else f"HTTP {status}"
        return Outcome(status, error, int((time.perf_counter() - started) * 1000))

    async def _record(self, delivery: RowMapping, outcome: Outcome, *, final: bool) -> None:
        attempts = int(delivery["attempts"]) + 1
        now = self._clock.now()
        if outcome.succeeded:
            label = "succeeded"
            values = {
                "state": DeliveryState.SUCCEEDED.value,
                "delivered_at": now,
                "next_attempt_at": None,
            }
        elif final or attempts >= self._policy.max_attempts:
            label = "dead"
            values = {"state": DeliveryState.DEAD.value, "next_attempt_at": None}
        else:
            label = "failed"
            delay = backoff(
                attempts,
                base=self._policy.retry_base,
                cap=self._policy.retry_cap,
                factor=self._policy.retry_factor,
                floor=self._policy.retry_floor,
            )
            values = {"state": DeliveryState.PENDING.value, "next_attempt_at": now + delay}
        disabled: str | None = None
        async with writer(self._engine).begin() as conn:
            await conn.execute(
                insert(webhook_attempts).values(
                    delivery_id=delivery["id"],
                    attempt=attempts,
                    started_at=now - timedelta(milliseconds=outcome.duration_ms),
                    duration_ms=outcome.duration_ms,
                    status_code=outcome.status_code,
                    error=outcome.error,
                )
            )
            await conn.execute(
                update(webhook_deliveries)
                .where(webhook_deliveries.c.id == delivery["id"])
                .values(
                    attempts=attempts,
                    last_status_code=outcome.status_code,
                    last_error=outcome.error,
                    **values,
                )
            )
            if label == "dead":
                disabled = await disable_when_failing(
                    conn, delivery, attempts=attempts, error=outcome.error, now=now
                )
        if self._on_outcome is not None:
            self._on_outcome(label)
        if disabled is not None:
            logger.warning(
                "webhook disabled", extra={"webhook_id": delivery["webhook_id"], "reason": disabled}
            )
        if not outcome.succeeded:
            logger.info(
                "webhook delivery failed",
                extra={"delivery_id": delivery["id"], "attempt": attempts, "error": outcome.error},
            )
