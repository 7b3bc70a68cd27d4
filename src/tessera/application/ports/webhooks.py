"""Webhook port: subscriptions and their delivery log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from tessera.domain.webhooks.webhook import Webhook


@dataclass(frozen=True, slots=True, kw_only=True)
class AttemptView:
    attempt: int
    started_at: datetime
    duration_ms: int
    status_code: int | None
    error: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryView:
    id: int
    webhook_id: int
    event_id: str
    event_type: str
    state: str
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    attempt_log: tuple[AttemptView, ...]


class WebhookStore(Protocol):
    async def add(self, webhook: Webhook) -> None:
        """Store a new subscription and give it its identity."""
        ...

    async def get(self, webhook_id: int) -> Webhook | None: ...

    async def save(self, webhook: Webhook) -> bool:
        """Store a changed subscription (secret, state, fields); False when it is gone."""
        ...

    async def page(self, *, after_id: int, limit: int) -> list[Webhook]:
        """Subscriptions in id order, after ``after_id``."""
        ...

    async def delete(self, webhook_id: int) -> bool:
        """Remove the subscription with its deliveries; False when there was none."""
        ...

    async def deliveries(self, webhook_id: int, *, after_id: int, limit: int) -> list[DeliveryView]:
        """Newest first (ids below ``after_id`` when it is not 0)."""
        ...

    async def redeliver(
        self, webhook_id: int, delivery_id: int, *, now: datetime
    ) -> DeliveryView | None:
        """Queue the delivery again with a fresh set of attempts; None when unknown."""
        ...
