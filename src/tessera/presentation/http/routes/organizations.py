"""Organization routes: ``/v1/organizations`` (admins manage; staff read; a customer reads
only their own)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from tessera.application.people.organizations import CreateOrganization, UpdateOrganization
from tessera.presentation.http.dependencies import AppServices, CurrentPrincipal
from tessera.presentation.http.errors import error_responses
from tessera.presentation.http.links import ORGANIZATION_LINKS
from tessera.presentation.http.openapi import response_headers
from tessera.presentation.http.rendering import json_response, page
from tessera.presentation.http.schemas.parameters import ID_MAX, IdCursor
from tessera.presentation.http.schemas.people import (
    OrganizationCreateRequest,
    OrganizationListResponse,
    OrganizationResponse,
    OrganizationUpdateRequest,
)

router = APIRouter(prefix="/v1/organizations", tags=["organizations"])

OrganizationId = Annotated[int, Path(ge=1, le=ID_MAX)]
_AUTH = ("unauthenticated", "forbidden")


@router.post(
    "",
    status_code=201,
    response_model=OrganizationResponse,
    responses={
        201: {"links": ORGANIZATION_LINKS, **response_headers("Location")},
        **error_responses(*_AUTH, "invalid_json", "validation_failed", "conflict"),
    },
    summary="Create an organization (409 when one of its domains belongs to another)",
)
async def create_organization(
    body: OrganizationCreateRequest, principal: CurrentPrincipal, services: AppServices
) -> Response:
    organization = await services.create_organization(
        CreateOrganization(
            name=body.name, domains=tuple(body.domains), shared_tickets=body.shared_tickets
        ),
        principal=principal,
    )
    return json_response(
        organization,
        status_code=201,
        headers={"Location": f"/v1/organizations/{organization.id}"},
    )


@router.get(
    "",
    response_model=OrganizationListResponse,
    responses=error_responses(*_AUTH, "validation_failed"),
    summary="List organizations (agents and admins) in id order",
)
async def list_organizations(
    request: Request,
    principal: CurrentPrincipal,
    services: AppServices,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    cursor: Annotated[IdCursor | None, Query(description="From next_cursor")] = None,
) -> Response:
    result = await services.list_organizations(
        principal=principal, after_id=int(cursor) if cursor else 0, limit=limit
    )
    return page(result.items, result.next_cursor, request=request)


@router.get(
    "/{organization_id}",
    response_model=OrganizationResponse,
    responses=error_responses("unauthenticated", "organization_not_found", "validation_failed"),
    summary="Read an organization (a customer reads only their own; others are 404)",
)
async def get_organization(
    organization_id: OrganizationId, principal: CurrentPrincipal, services: AppServices
) -> Response:
    return json_response(await services.get_organization(organization_id, principal=principal))


@router.patch(
    "/{organization_id}",
    response_model=OrganizationResponse,
    responses=error_responses(
        *_AUTH, "organization_not_found", "invalid_json", "validation_failed", "conflict"
    ),
    summary="Change an organization's name, domains or ticket sharing",
)
async def update_organization(
    organization_id: OrganizationId,
    body: OrganizationUpdateRequest,
    principal: CurrentPrincipal,
    services: AppServices,
) -> Response:
    sent = body.model_dump(exclude_unset=True, mode="json")
    if "domains" in sent:
        sent["domains"] = tuple(sent["domains"])
    organization = await services.update_organization(
        organization_id, UpdateOrganization(**sent), principal=principal
    )
    return json_response(organization)
