"""API token routes: ``/v1/tokens`` (admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from tessera.application.tokens.manage_tokens import IssueToken
from tessera.presentation.http.dependencies import AppServices, CurrentPrincipal
from tessera.presentation.http.errors import error_responses
from tessera.presentation.http.links import TOKEN_LINKS
from tessera.presentation.http.openapi import response_headers
from tessera.presentation.http.rendering import json_response, page
from tessera.presentation.http.schemas.parameters import IdCursor
from tessera.presentation.http.schemas.tokens import (
    IssuedTokenResponse,
    TokenCreateRequest,
    TokenListResponse,
)

router = APIRouter(prefix="/v1/tokens", tags=["tokens"])
_AUTH = ("unauthenticated", "forbidden")


@router.post(
    "",
    operation_id="tokens.create",
    status_code=201,
    response_model=IssuedTokenResponse,
    responses={
        201: {"links": TOKEN_LINKS, **response_headers("Location")},
        **error_responses(*_AUTH, "invalid_json", "validation_failed", "conflict"),
    },
    summary="Issue an API token (the secret is shown only here)",
)
async def issue_token(
    body: TokenCreateRequest, principal: CurrentPrincipal, services: AppServices
) -> Response:
    issued = await services.issue_token(
        IssueToken(
            name=body.name,
            user_id=body.user_id,
            role=body.role.value if body.role else None,
            email=body.email,
        ),
        principal=principal,
    )
    view = issued.token
    content = {
        "id": view.id,
        "user_id": view.user_id,
        "name": view.name,
        "role": view.role,
        "email": view.email,
        "token": issued.secret,
        "created_at": view.created_at,
    }
    return json_response(content, status_code=201, headers={"Location": f"/v1/tokens/{view.id}"})


@router.get(
    "",
    operation_id="tokens.list",
    response_model=TokenListResponse,
    responses=error_responses(*_AUTH, "validation_failed"),
    summary="List API tokens (never their secrets)",
)
async def list_tokens(
    request: Request,
    principal: CurrentPrincipal,
    services: AppServices,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    cursor: Annotated[IdCursor | None, Query(description="From next_cursor")] = None,
) -> Response:
    result = await services.list_tokens(
        principal=principal, after_id=int(cursor) if cursor else 0, limit=limit
    )
    return page(result.items, result.next_cursor, request=request)


@router.delete(
    "/{token_id}",
    operation_id="tokens.revoke",
    status_code=204,
    response_class=Response,
    responses=error_responses(*_AUTH, "token_not_found", "conflict"),
    summary="Revoke an API token (not the one making the request)",
)
async def revoke_token(
    token_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    principal: CurrentPrincipal,
    services: AppServices,
) -> Response:
    await services.revoke_token(token_id, principal=principal)
    return Response(status_code=204)
