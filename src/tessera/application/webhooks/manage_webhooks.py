"""Use cases: webhook subscriptions and their delivery log (admins only)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from tessera.application.errors import ForbiddenError, NotFoundError
from tessera.application.ports.clock import Clock
from tessera.application.ports.webhooks import DeliveryView, WebhookStore
from tessera.application.validation import FieldErrors
from tessera.domain.access.principal import Principal, can_administer
from tessera.domain.webhooks.webhook import Webhook, parse_event_types, parse_target_url


class WebhookNotFoundError(NotFoundError):
    code = "webhook_not_found"

    def __init__(self, webhook_id: int) -> None:
        super().__init__(f"Webhook {webhook_id} not found", details={"id": webhook_id})


class DeliveryNotFoundError(NotFoundError):
    code = "delivery_not_found"

    def __init__(self, delivery_id: int) -> None:
        super().__init__(f"Delivery {delivery_id} not found", details={"id": delivery_id})


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateWebhook:
    url: str
    event_types: tuple[str, ...] = ()
    secret: str | None = None  # generated when not given
    description: str | None = None


def _ensure_admin(principal: Principal) -> None:
    if not can_administer(principal):
        raise ForbiddenError("Only admins may manage webhooks")


class CreateWebhookHandler:
    """Raises ForbiddenError and DomainValidationError (URL, event types)."""

    def __init__(self, *, store: WebhookStore, clock: Clock, allow_private: bool) -> None:
        self._store = store
        self._clock = clock
        self._allow_private = allow_private

    async def __call__(self, command: CreateWebhook, *, principal: Principal) -> Webhook:
        _ensure_admin(principal)
        fields = FieldErrors()
        url = fields.take(
            lambda: parse_target_url(command.url, allow_private=self._allow_private), ""
        )
        types = fields.take(lambda: parse_event_types(command.event_types), frozenset())
        fields.raise_any()
        webhook = Webhook(
            id=0,
            url=url,
            event_types=types,
            secret=command.secret or f"whsec_{secrets.token_urlsafe(32)}",
            description=command.description,
            created_at=self._clock.now(),
        )
        await self._store.add(webhook)
        return webhook


class ListWebhooksHandler:
    """Raises ForbiddenError."""

    def __init__(self, *, store: WebhookStore) -> None:
        self._store = store

    async def __call__(self, *, principal: Principal, after_id: int, limit: int) -> list[Webhook]:
        _ensure_admin(principal)
        return await self._store.page(after_id=after_id, limit=limit)


class DeleteWebhookHandler:
    """Raises ForbiddenError and WebhookNotFoundError."""

    def __init__(self, *, store: WebhookStore) -> None:
        self._store = store

    async def __call__(self, webhook_id: int, *, principal: Principal) -> None:
        _ensure_admin(principal)
        if not await self._store.delete(webhook_id):
            raise WebhookNotFoundError(webhook_id)


class ListDeliveriesHandler:
    """Raises ForbiddenError and WebhookNotFoundError."""

    def __init__(self, *, store: WebhookStore) -> None:
        self._store = store

    async def __call__(
        self, webhook_id: int, *, principal: Principal, after_id: int, limit: int
    ) -> list[DeliveryView]:
        _ensure_admin(principal)
        if await self._store.get(webhook_id) is None:
            raise WebhookNotFoundError(webhook_id)
        return await self._store.deliveries(webhook_id, after_id=after_id, limit=limit)


class RedeliverHandler:
    """Raises ForbiddenError and DeliveryNotFoundError."""

    def __init__(self, *, store: WebhookStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def __call__(
        self, webhook_id: int, delivery_id: int, *, principal: Principal
    ) -> DeliveryView:
        _ensure_admin(principal)
        view = await self._store.redeliver(webhook_id, delivery_id, now=self._clock.now())
        if view is None:
            raise DeliveryNotFoundError(delivery_id)
        return view
