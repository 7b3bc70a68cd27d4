"""Use cases: webhook subscriptions and their delivery log (admins only)."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass

from tessera.application.errors import ForbiddenError, NotFoundError
from tessera.application.ports.clock import Clock
from tessera.application.ports.webhooks import DeliveryView, WebhookStore
from tessera.application.validation import FieldErrors
from tessera.domain.access.principal import Principal, can_administer
from tessera.domain.errors import TesseraError
from tessera.domain.tickets.ticket import UNSET, Unset
from tessera.domain.webhooks.webhook import (
    SECRET_PREFIX,
    Webhook,
    parse_event_types,
    parse_secret,
    parse_target_url,
)

SECRET_BYTES = 32


class WebhookNotFoundError(NotFoundError):
    code = "webhook_not_found"

    def __init__(self, webhook_id: int) -> None:
        super().__init__(f"Webhook {webhook_id} not found", details={"id": webhook_id})


class DeliveryNotFoundError(NotFoundError):
    code = "delivery_not_found"

    def __init__(self, delivery_id: int) -> None:
        super().__init__(f"Delivery {delivery_id} not found", details={"id": delivery_id})


class WebhookDisabledError(TesseraError):
    code = "webhook_disabled"

    def __init__(self, webhook: Webhook) -> None:
        super().__init__(
            f"Webhook {webhook.id} is disabled; re-enable it with PATCH active=true first",
            details={"id": webhook.id, "disabled_reason": webhook.disabled_reason},
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateWebhook:
    url: str
    event_types: tuple[str, ...] = ()
    secret: str | None = None  # generated when not given
    description: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateWebhook:
    """Only the fields given change; ``active=True`` re-enables a disabled webhook."""

    url: str | Unset = UNSET
    event_types: tuple[str, ...] | Unset = UNSET
    description: str | Unset | None = UNSET
    active: bool | Unset = UNSET


def new_secret() -> str:
    """``whsec_`` and the standard base64 of a fresh 256-bit key."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def _ensure_admin(principal: Principal) -> None:
    if not can_administer(principal):
        raise ForbiddenError("Only admins may manage webhooks")


async def _admin_loads(store: WebhookStore, webhook_id: int, *, principal: Principal) -> Webhook:
    """Raises ForbiddenError and WebhookNotFoundError."""
    _ensure_admin(principal)
    webhook = await store.get(webhook_id)
    if webhook is None:
        raise WebhookNotFoundError(webhook_id)
    return webhook


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
        given = command.secret
        secret = fields.take(lambda: parse_secret(given), "") if given is not None else ""
        fields.raise_any()
        webhook = Webhook(
            id=0,
            url=url,
            event_types=types,
            secret=secret or new_secret(),
            description=command.description,
            created_at=self._clock.now(),
        )
        await self._store.add(webhook)
        return webhook


class GetWebhookHandler:
    """Raises ForbiddenError and WebhookNotFoundError."""

    def __init__(self, *, store: WebhookStore) -> None:
        self._store = store

    async def __call__(self, webhook_id: int, *, principal: Principal) -> Webhook:
        return await _admin_loads(self._store, webhook_id, principal=principal)


class UpdateWebhookHandler:
    """Raises ForbiddenError, WebhookNotFoundError and DomainValidationError."""

    def __init__(self, *, store: WebhookStore, clock: Clock, allow_private: bool) -> None:
        self._store = store
        self._clock = clock
        self._allow_private = allow_private

    async def __call__(
        self, webhook_id: int, command: UpdateWebhook, *, principal: Principal
    ) -> Webhook:
        webhook = await _admin_loads(self._store, webhook_id, principal=principal)
        fields = FieldErrors()
        if not isinstance(url := command.url, Unset):
            webhook.url = fields.take(
                lambda: parse_target_url(url, allow_private=self._allow_private), webhook.url
            )
        if not isinstance(types := command.event_types, Unset):
            webhook.event_types = fields.take(lambda: parse_event_types(types), webhook.event_types)
        fields.raise_any()
        if not isinstance(command.description, Unset):
            webhook.description = command.description
        if command.active is True:
            webhook.enable()
        elif command.active is False and webhook.active:
            webhook.disable("disabled by an admin", now=self._clock.now())
        if not await self._store.save(webhook):
            raise WebhookNotFoundError(webhook_id)
        return webhook


class RotateSecretHandler:
    """A new secret signs from now on; the old one signs beside it for ROTATION_OVERLAP.
    Raises ForbiddenError and WebhookNotFoundError."""

    def __init__(self, *, store: WebhookStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def __call__(self, webhook_id: int, *, principal: Principal) -> Webhook:
        webhook = await _admin_loads(self._store, webhook_id, principal=principal)
        webhook.rotate_secret(new_secret(), now=self._clock.now())
        if not await self._store.save(webhook):
            raise WebhookNotFoundError(webhook_id)
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
    """Raises ForbiddenError, DeliveryNotFoundError and WebhookDisabledError."""

    def __init__(self, *, store: WebhookStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def __call__(
        self, webhook_id: int, delivery_id: int, *, principal: Principal
    ) -> DeliveryView:
        _ensure_admin(principal)
        webhook = await self._store.get(webhook_id)
        if webhook is None:
            raise DeliveryNotFoundError(delivery_id)
        if not webhook.active:
            raise WebhookDisabledError(webhook)
        view = await self._store.redeliver(webhook_id, delivery_id, now=self._clock.now())
        if view is None:
            raise DeliveryNotFoundError(delivery_id)
        return view
