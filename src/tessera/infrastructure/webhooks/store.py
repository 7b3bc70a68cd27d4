"""Webhook subscriptions and their delivery log in the database."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from tessera.application.ports.webhooks import AttemptView, DeliveryView
from tessera.domain.webhooks.webhook import DeliveryState, Webhook
from tessera.infrastructure.persistence.errors import database_errors
from tessera.infrastructure.persistence.tables import webhook_attempts, webhook_deliveries, webhooks


def webhook_from_row(row: RowMapping) -> Webhook:
    return Webhook(
        id=row["id"],
        url=row["url"],
        event_types=frozenset(row["event_types"]),
        secret=row["secret"],
        description=row["description"],
        created_at=row["created_at"],
        previous_secret=row["previous_secret"],
        previous_secret_expires_at=row["previous_secret_expires_at"],
        active=bool(row["active"]),
        disabled_reason=row["disabled_reason"],
        disabled_at=row["disabled_at"],
    )


def webhook_row(webhook: Webhook) -> dict[str, Any]:
    return {
        "url": webhook.url,
        "event_types": sorted(webhook.event_types),
        "secret": webhook.secret,
        "description": webhook.description,
        "created_at": webhook.created_at,
        "previous_secret": webhook.previous_secret,
        "previous_secret_expires_at": webhook.previous_secret_expires_at,
        "active": webhook.active,
        "disabled_reason": webhook.disabled_reason,
        "disabled_at": webhook.disabled_at,
    }


class SqlAlchemyWebhookStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def add(self, webhook: Webhook) -> None:
        async with database_errors(), self._engine.begin() as conn:
            result = await conn.execute(insert(webhooks).values(**webhook_row(webhook)))
        key = result.inserted_primary_key
        assert key is not None
        webhook.id = int(key[0])

    async def save(self, webhook: Webhook) -> bool:
        async with database_errors(), self._engine.begin() as conn:
            result = await conn.execute(
                update(webhooks).where(webhooks.c.id == webhook.id).values(**webhook_row(webhook))
            )
        return bool(result.rowcount)

    async def get(self, webhook_id: int) -> Webhook | None:
        async with database_errors(), self._engine.connect() as conn:
            row = (
                (await conn.execute(select(webhooks).where(webhooks.c.id == webhook_id)))
                .mappings()
                .first()
            )
        return webhook_from_row(row) if row else None

    async def page(self, *, after_id: int, limit: int) -> list[Webhook]:
        statement = (
            select(webhooks).where(webhooks.c.id > after_id).order_by(webhooks.c.id).limit(limit)
        )
        async with database_errors(), self._engine.connect() as conn:
            rows = (await conn.execute(statement)).mappings().all()
        return [webhook_from_row(row) for row in rows]

    async def delete(self, webhook_id: int) -> bool:
        async with database_errors(), self._engine.begin() as conn:
            result = await conn.execute(delete(webhooks).where(webhooks.c.id == webhook_id))
        return bool(result.rowcount)

    async def deliveries(self, webhook_id: int, *, after_id: int, limit: int) -> list[DeliveryView]:
        statement = select(webhook_deliveries).where(webhook_deliveries.c.webhook_id == webhook_id)
        if after_id:
            statement = statement.where(webhook_deliveries.c.id < after_id)
        statement = statement.order_by(webhook_deliveries.c.id.desc()).limit(limit)
        async with database_errors(), self._engine.connect() as conn:
            rows = (await conn.execute(statement)).mappings().all()
            attempts = await self._attempts(conn, [row["id"] for row in rows])
        return [_delivery_view(row, attempts[row["id"]]) for row in rows]

    async def redeliver(
        self, webhook_id: int, delivery_id: int, *, now: datetime
    ) -> DeliveryView | None:
        async with database_errors(), self._engine.begin() as conn:
            result = await conn.execute(
                update(webhook_deliveries)
                .where(
                    webhook_deliveries.c.id == delivery_id,
                    webhook_deliveries.c.webhook_id == webhook_id,
                )
                .values(state=DeliveryState.PENDING.value, attempts=0, next_attempt_at=now)
                .returning(*webhook_deliveries.c)
            )
            row = result.mappings().first()
            if row is None:
                return None
            attempts = await self._attempts(conn, [delivery_id])
        return _delivery_view(row, attempts[delivery_id])

    @staticmethod
    async def _attempts(conn: AsyncConnection, ids: list[int]) -> dict[int, list[AttemptView]]:
        found: dict[int, list[AttemptView]] = defaultdict(list)
        if not ids:
            return found
        rows = await conn.execute(
            select(webhook_attempts)
            .where(webhook_attempts.c.delivery_id.in_(ids))
            .order_by(webhook_attempts.c.id)
        )
        for row in rows.mappings():
            found[row["delivery_id"]].append(
                AttemptView(
                    attempt=row["attempt"],
                    started_at=row["started_at"],
                    duration_ms=row["duration_ms"],
                    status_code=row["status_code"],
                    error=row["error"],
                )
            )
        return found


def _delivery_view(row: RowMapping, attempts: list[AttemptView]) -> DeliveryView:
    return DeliveryView(
        id=row["id"],
        webhook_id=row["webhook_id"],
        event_id=row["event_id"],
        event_type=row["event_type"],
        state=row["state"],
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
        last_status_code=row["last_status_code"],
        last_error=row["last_error"],
        created_at=row["created_at"],
        delivered_at=row["delivered_at"],
        attempt_log=tuple(attempts),
    )
