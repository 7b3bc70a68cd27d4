"""Webhook routes: ``/v1/webhooks`` (admins)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from tessera.application.webhooks.manage_webhooks import CreateWebhook, UpdateWebhook
from tessera.domain.webhooks.webhook import Webhook
from tessera.presentation.http.dependencies import AppServices, CurrentPrincipal
from tessera.presentation.http.errors import error_responses
from tessera.presentation.http.links import WEBHOOK_LINKS
from tessera.presentation.http.openapi import response_headers
from tessera.presentation.http.rendering import json_response, page
from tessera.presentation.http.schemas.parameters import PageCursor as Cursor
from tessera.presentation.http.schemas.parameters import PageLimit as Limit
from tessera.presentation.http.schemas.webhooks import (
    DeliveryListResponse,
    DeliveryResponse,
    WebhookCreatedResponse,
    WebhookCreateRequest,
    WebhookListResponse,
    WebhookResponse,
    WebhookSecretResponse,
    WebhookUpdateRequest,
)

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])

WebhookId = Annotated[int, Path(ge=1, le=2**63 - 1)]
_AUTH = ("unauthenticated", "forbidden")


def _public(webhook: Webhook) -> dict[str, Any]:
    return {
        "id": webhook.id,
        "url": webhook.url,
        "event_types": sorted(webhook.event_types),
        "description": webhook.description,
        "created_at": webhook.created_at,
        "active": webhook.active,
        "disabled_reason": webhook.disabled_reason,
        "disabled_at": webhook.disabled_at,
        "previous_secret_expires_at": webhook.previous_secret_expires_at,
    }


@router.post(
    "",
    operation_id="webhooks.create",
    status_code=201,
    response_model=WebhookCreatedResponse,
    responses={
        201: {"links": WEBHOOK_LINKS, **response_headers("Location")},
        **error_responses(*_AUTH, "invalid_json", "validation_failed"),
    },
    summary="Subscribe a URL to events (the secret is shown only here)",
)
async def create_webhook(
    body: WebhookCreateRequest, principal: CurrentPrincipal, services: AppServices
) -> Response:
    webhook = await services.create_webhook(
        CreateWebhook(
            url=body.url,
            event_types=tuple(body.event_types),
            secret=body.secret,
            description=body.description,
        ),
        principal=principal,
    )
    return json_response(
        {**_public(webhook), "secret": webhook.secret},
        status_code=201,
        headers={"Location": f"/v1/webhooks/{webhook.id}"},
    )


@router.get(
    "",
    operation_id="webhooks.list",
    response_model=WebhookListResponse,
    responses=error_responses(*_AUTH, "validation_failed"),
    summary="List webhook subscriptions",
)
async def list_webhooks(
    request: Request,
    principal: CurrentPrincipal,
    services: AppServices,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response:
    found = await services.list_webhooks(
        principal=principal, after_id=int(cursor) if cursor else 0, limit=limit
    )
    next_cursor = str(found[-1].id) if len(found) == limit else None
    return page([_public(w) for w in found], next_cursor, request=request)


@router.get(
    "/{webhook_id}",
    response_model=WebhookResponse,
    responses=error_responses(*_AUTH, "webhook_not_found"),
    summary="A webhook subscription, with whether it is active and why not",
)
async def get_webhook(
    webhook_id: WebhookId, principal: CurrentPrincipal, services: AppServices
) -> Response:
    return json_response(_public(await services.get_webhook(webhook_id, principal=principal)))


@router.patch(
    "/{webhook_id}",
    response_model=WebhookResponse,
    responses=error_responses(*_AUTH, "webhook_not_found", "invalid_json", "validation_failed"),
    summary="Change a subscription; `active: true` re-enables a disabled one",
)
async def update_webhook(
    webhook_id: WebhookId,
    body: WebhookUpdateRequest,
    principal: CurrentPrincipal,
    services: AppServices,
) -> Response:
    sent = body.model_dump(exclude_unset=True)
    if "event_types" in sent:
        sent["event_types"] = tuple(sent["event_types"])
    webhook = await services.update_webhook(webhook_id, UpdateWebhook(**sent), principal=principal)
    return json_response(_public(webhook))


@router.post(
    "/{webhook_id}/rotate-secret",
    response_model=WebhookSecretResponse,
    responses=error_responses(*_AUTH, "webhook_not_found"),
    summary="Replace the secret (shown only here); the old one also signs for 24 h",
)
async def rotate_webhook_secret(
    webhook_id: WebhookId, principal: CurrentPrincipal, services: AppServices
) -> Response:
    webhook = await services.rotate_webhook_secret(webhook_id, principal=principal)
    return json_response(
        {
            "id": webhook.id,
            "secret": webhook.secret,
            "previous_secret_expires_at": webhook.previous_secret_expires_at,
        }
    )


@router.delete(
    "/{webhook_id}",
    operation_id="webhooks.delete",
    status_code=204,
    response_class=Response,
    responses=error_responses(*_AUTH, "webhook_not_found"),
    summary="Remove a subscription and its delivery log",
)
async def delete_webhook(
    webhook_id: WebhookId, principal: CurrentPrincipal, services: AppServices
) -> Response:
    await services.delete_webhook(webhook_id, principal=principal)
    return Response(status_code=204)


@router.get(
    "/{webhook_id}/deliveries",
    operation_id="deliveries.list",
    response_model=DeliveryListResponse,
    responses=error_responses(*_AUTH, "webhook_not_found", "validation_failed"),
    summary="Deliveries, newest first, with every attempt",
)
async def list_deliveries(
    request: Request,
    webhook_id: WebhookId,
    principal: CurrentPrincipal,
    services: AppServices,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response:
    found = await services.list_deliveries(
        webhook_id, principal=principal, after_id=int(cursor) if cursor else 0, limit=limit
    )
    return page(found, str(found[-1].id) if len(found) == limit else None, request=request)


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/redeliver",
    operation_id="deliveries.redeliver",
    status_code=202,
    response_model=DeliveryResponse,
    responses=error_responses(*_AUTH, "delivery_not_found", "webhook_disabled"),
    summary="Send a delivery again (also a dead one), with a fresh set of attempts",
)
async def redeliver(
    webhook_id: WebhookId,
    delivery_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    principal: CurrentPrincipal,
    services: AppServices,
) -> Response:
    view = await services.redeliver(webhook_id, delivery_id, principal=principal)
    return json_response(view, status_code=202)
