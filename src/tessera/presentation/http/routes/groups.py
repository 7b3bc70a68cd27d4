"""Group routes: ``/v1/groups`` and ``/v1/groups/{id}/members`` (admins manage; agents and
admins read)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from tessera.application.people.groups import CreateGroup, UpdateGroup
from tessera.presentation.http.dependencies import AppServices, CurrentPrincipal
from tessera.presentation.http.errors import error_responses
from tessera.presentation.http.links import GROUP_LINKS
from tessera.presentation.http.openapi import response_headers
from tessera.presentation.http.rendering import json_response, page
from tessera.presentation.http.schemas.parameters import PageCursor as Cursor
from tessera.presentation.http.schemas.parameters import PageLimit as Limit
from tessera.presentation.http.schemas.parameters import PathId
from tessera.presentation.http.schemas.people import (
    GroupCreateRequest,
    GroupListResponse,
    GroupResponse,
    GroupUpdateRequest,
    MemberAddRequest,
    UserListResponse,
)

router = APIRouter(prefix="/v1/groups", tags=["groups"])

GroupId = PathId
UserId = PathId
_AUTH = ("unauthenticated", "forbidden")


@router.post(
    "",
    status_code=201,
    response_model=GroupResponse,
    responses={
        201: {"links": GROUP_LINKS, **response_headers("Location")},
        **error_responses(*_AUTH, "invalid_json", "validation_failed"),
    },
    summary="Create a group of agents",
)
async def create_group(
    body: GroupCreateRequest, principal: CurrentPrincipal, services: AppServices
) -> Response:
    group = await services.create_group(
        CreateGroup(name=body.name, description=body.description), principal=principal
    )
    return json_response(group, status_code=201, headers={"Location": f"/v1/groups/{group.id}"})


@router.get(
    "",
    response_model=GroupListResponse,
    responses=error_responses(*_AUTH, "validation_failed"),
    summary="List groups (agents and admins) in id order",
)
async def list_groups(
    request: Request,
    principal: CurrentPrincipal,
    services: AppServices,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Response:
    result = await services.list_groups(
        principal=principal, after_id=int(cursor) if cursor else 0, limit=limit
    )
    return page(result.items, result.next_cursor, request=request)


@router.get(
    "/{group_id}",
    response_model=GroupResponse,
    responses=error_responses(*_AUTH, "group_not_found", "validation_failed"),
    summary="Read a group",
)
async def get_group(
    group_id: GroupId, principal: CurrentPrincipal, services: AppServices
) -> Response:
    return json_response(await services.get_group(group_id, principal=principal))


@router.patch(
    "/{group_id}",
    response_model=GroupResponse,
    responses=error_responses(*_AUTH, "group_not_found", "invalid_json", "validation_failed"),
    summary="Rename a group or change its description",
)
async def update_group(
    group_id: GroupId, body: GroupUpdateRequest, principal: CurrentPrincipal, services: AppServices
) -> Response:
    sent = body.model_dump(exclude_unset=True, mode="json")
    return json_response(
        await services.update_group(group_id, UpdateGroup(**sent), principal=principal)
    )


@router.post(
    "/{group_id}/members",
    status_code=204,
    response_class=Response,
    responses=error_responses(*_AUTH, "group_not_found", "invalid_json", "validation_failed"),
    summary="Add an active agent or admin to the group (adding a member again changes nothing)",
)
async def add_member(
    group_id: GroupId, body: MemberAddRequest, principal: CurrentPrincipal, services: AppServices
) -> Response:
    await services.add_member(group_id, body.user_id, principal=principal)
    return Response(status_code=204)


@router.get(
    "/{group_id}/members",
    response_model=UserListResponse,
    responses=error_responses(*_AUTH, "group_not_found", "validation_failed"),
    summary="List the group's members in id order",
)
async def list_members(
    request: Request,
    group_id: GroupId,
    principal: CurrentPrincipal,
    services: AppServices,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Response:
    result = await services.list_members(
        group_id, principal=principal, after_id=int(cursor) if cursor else 0, limit=limit
    )
    return page(result.items, result.next_cursor, request=request)


@router.delete(
    "/{group_id}/members/{user_id}",
    status_code=204,
    response_class=Response,
    responses=error_responses(*_AUTH, "group_not_found", "user_not_found", "validation_failed"),
    summary="Remove a member from the group (404 when the user is not a member)",
)
async def remove_member(
    group_id: GroupId, user_id: UserId, principal: CurrentPrincipal, services: AppServices
) -> Response:
    await services.remove_member(group_id, user_id, principal=principal)
    return Response(status_code=204)
