"""In-memory webhook store, for unit tests of the webhook use cases."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from tessera.application.ports.webhooks import DeliveryView
from tessera.domain.webhooks.webhook import DeliveryState, Webhook


class InMemoryWebhookStore:
    def __init__(self) -> None:
        self.webhooks: dict[int, Webhook] = {}
        self.delivery_log: dict[int, DeliveryView] = {}
        self._next_id = 1

    async def add(self, webhook: Webhook) -> None:
        webhook.id = self._next_id
        self._next_id += 1
        self.webhooks[webhook.id] = webhook

    async def get(self, webhook_id: int) -> Webhook | None:
        found = self.webhooks.get(webhook_id)
        # A copy, as a database hands out: a change counts only once it is saved.
        return dataclasses.replace(found) if found is not None else None

    async def save(self, webhook: Webhook) -> bool:
        if webhook.id not in self.webhooks:
            return False
        self.webhooks[webhook.id] = dataclasses.replace(webhook)
        return True

    async def page(self, *, after_id: int, limit: int) -> list[Webhook]:
        return [self.webhooks[i] for i in sorted(self.webhooks) if i > after_id][:limit]

    async def delete(self, webhook_id: int) -> bool:
        self.delivery_log = {
            i: d for i, d in self.delivery_log.items() if d.webhook_id != webhook_id
        }
        return self.webhooks.pop(webhook_id, None) is not None

    async def deliveries(self, webhook_id: int, *, after_id: int, limit: int) -> list[DeliveryView]:
        found = [
            d
            for i, d in sorted(self.delivery_log.items(), reverse=True)
            if d.webhook_id == webhook_id and (not after_id or i < after_id)
        ]
        return found[:limit]

    async def redeliver(
        self, webhook_id: int, delivery_id: int, *, now: datetime
    ) -> DeliveryView | None:
        found = self.delivery_log.get(delivery_id)
        if found is None or found.webhook_id != webhook_id:
            return None
        revived = dataclasses.replace(
            found, state=DeliveryState.PENDING.value, attempts=0, next_attempt_at=now
        )
        self.delivery_log[delivery_id] = revived
        return revived
