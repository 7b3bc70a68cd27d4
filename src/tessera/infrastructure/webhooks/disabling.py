"""Disabling a webhook whose target keeps failing (SPEC §12: it says so in the API)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import RowMapping, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from tessera.domain.webhooks.webhook import DeliveryState
from tessera.infrastructure.persistence.tables import webhook_deliveries, webhooks

DISABLED_ERROR = "webhook disabled"


async def abandon(
    conn: AsyncConnection, delivery_ids: list[int] | None, *, webhook_id: int
) -> None:
    """Pending deliveries of a disabled webhook become dead (a redelivery revives them once
    it is enabled again); ``None`` means all of the webhook's pending deliveries."""
    statement = update(webhook_deliveries).where(
        webhook_deliveries.c.webhook_id == webhook_id,
        webhook_deliveries.c.state == DeliveryState.PENDING.value,
    )
    if delivery_ids is not None:
        statement = statement.where(webhook_deliveries.c.id.in_(delivery_ids))
    await conn.execute(
        statement.values(
            state=DeliveryState.DEAD.value, next_attempt_at=None, last_error=DISABLED_ERROR
        )
    )


async def disable_when_failing(
    conn: AsyncConnection, delivery: RowMapping, *, attempts: int, error: str | None, now: datetime
) -> str | None:
    """``delivery`` has just gone dead. Its webhook is disabled, and its other pending
    deliveries die with it, unless a delivery to it succeeded since this one was queued (then
    the target works and only this event fails). Returns the reason when it disabled it."""
    webhook_id = delivery["webhook_id"]
    succeeded_since = await conn.scalar(
        select(func.count())
        .select_from(webhook_deliveries)
        .where(
            webhook_deliveries.c.webhook_id == webhook_id,
            webhook_deliveries.c.state == DeliveryState.SUCCEEDED.value,
            webhook_deliveries.c.delivered_at >= delivery["created_at"],
        )
    )
    if succeeded_since:
        return None
    reason = (
        f"delivery {delivery['id']} failed {attempts} attempts since "
        f"{delivery['created_at'].isoformat()}: {error or 'no answer'}"
    )
    disabled = await conn.execute(
        update(webhooks)
        .where(webhooks.c.id == webhook_id, webhooks.c.active.is_(True))
        .values(active=False, disabled_reason=reason, disabled_at=now)
    )
    if not disabled.rowcount:
        return None
    await abandon(conn, None, webhook_id=webhook_id)
    return reason
