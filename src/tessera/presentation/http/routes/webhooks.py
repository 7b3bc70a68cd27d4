"""Webhook routes: ``/v1/webhooks`` (admins)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from tessera.application.webhooks.manage_webhooks import CreateWebhook
from tessera.domain.webhooks.webhook import Webhook
from tessera.presentation.http.dependencies import AppServices, CurrentPrincipal
from tessera.presentation.http.errors import error_responses
from tessera.presentation.http.links import WEBHOOK_LINKS
from tessera.presentation.http.openapi import response_headers
from tessera.presentation.http.rendering import json_response, page
from tessera.presentation.http.schemas.parameters import IdCursor
from tessera.presentation.http.schemas.webhooks import (
    DeliveryListResponse,
    DeliveryResponse,
    WebhookCreatedResponse,
    WebhookCreateRequest,
    WebhookListResponse,
)

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])

WebhookId = Annotated[int, Path(ge=1, le=2**63 - 1)]
Cursor = Annotated[IdCursor | None, Query(description="From next_cursor")]
Limit = Annotated[int, Query(ge=1, le=100)]
_AUTH = ("unauthenticated", "forbidden")


def _public(webhook: Webhook) -> dict[str, Any]:
    return {
        "id": webhook.id,
        "url": webhook.url,
        "event_types": sorted(webhook.event_types),
        "description": webhook.description,
        "created_at": webhook.created_at,
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
    responses=error_responses(*_AUTH, "delivery_not_found"),
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
