"""User routes: ``/v1/users`` and ``/v1/users/me`` (admins manage; staff read; a customer
reads only themselves)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from tessera.application.people.users import CreateUser, UpdateProfile, UpdateUser
from tessera.application.ports.people import UserFilter
from tessera.domain.access.mailboxes import parse_email
from tessera.domain.people.users import UserRole
from tessera.presentation.http.dependencies import AppServices, CurrentPrincipal
from tessera.presentation.http.errors import error_responses
from tessera.presentation.http.links import USER_LINKS
from tessera.presentation.http.openapi import response_headers
from tessera.presentation.http.rendering import json_response, page
from tessera.presentation.http.schemas.parameters import ID_MAX, PathId
from tessera.presentation.http.schemas.parameters import PageCursor as Cursor
from tessera.presentation.http.schemas.parameters import PageLimit as Limit
from tessera.presentation.http.schemas.people import (
    ProfileUpdateRequest,
    UserCreateRequest,
    UserListResponse,
    UserResponse,
    UserRoleName,
    UserUpdateRequest,
)
from tessera.presentation.http.schemas.text import QueryText

router = APIRouter(prefix="/v1/users", tags=["users"])

UserId = PathId
_AUTH = ("unauthenticated", "forbidden")


@router.post(
    "",
    status_code=201,
    response_model=UserResponse,
    responses={
        201: {"links": USER_LINKS, **response_headers("Location")},
        **error_responses(*_AUTH, "invalid_json", "validation_failed", "conflict"),
    },
    summary="Create a user (409 when the e-mail address is taken)",
)
async def create_user(
    body: UserCreateRequest, principal: CurrentPrincipal, services: AppServices
) -> Response:
    user = await services.create_user(
        CreateUser(
            name=body.name,
            email=body.email,
            role=body.role.value,
            organization_id=body.organization_id,
            time_zone=body.time_zone,
            password=body.password,
        ),
        principal=principal,
    )
    return json_response(user, status_code=201, headers={"Location": f"/v1/users/{user.id}"})


@router.get(
    "",
    response_model=UserListResponse,
    responses=error_responses(*_AUTH, "validation_failed"),
    summary="List users (agents and admins), filtered, in id order",
)
async def list_users(
    request: Request,
    principal: CurrentPrincipal,
    services: AppServices,
    role: UserRoleName | None = None,
    organization_id: Annotated[int | None, Query(ge=1, le=ID_MAX)] = None,
    active: bool | None = None,
    email: Annotated[QueryText | None, Query(max_length=254)] = None,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> Response:
    where = UserFilter(
        role=UserRole(role.value) if role else None,
        organization_id=organization_id,
        active=active,
        email=parse_email(email, field="email") if email is not None else None,
    )
    result = await services.list_users(
        where, principal=principal, after_id=int(cursor) if cursor else 0, limit=limit
    )
    return page(result.items, result.next_cursor, request=request)


@router.get(
    "/me",
    response_model=UserResponse,
    responses=error_responses("unauthenticated"),
    summary="The user the bearer token acts as",
)
async def current_user(principal: CurrentPrincipal, services: AppServices) -> Response:
    return json_response(await services.get_user(principal.user_id, principal=principal))


@router.patch(
    "/me",
    response_model=UserResponse,
    responses=error_responses("unauthenticated", "invalid_json", "validation_failed"),
    summary="Change your own name and time zone (role, active and e-mail are an admin's)",
)
async def update_current_user(
    body: ProfileUpdateRequest, principal: CurrentPrincipal, services: AppServices
) -> Response:
    sent = body.model_dump(exclude_unset=True, mode="json")
    return json_response(await services.update_profile(UpdateProfile(**sent), principal=principal))


@router.get(
    "/{user_id}",
    response_model=UserResponse,
    responses=error_responses("unauthenticated", "user_not_found", "validation_failed"),
    summary="Read a user (a customer reads only themselves; others are 404)",
)
async def get_user(user_id: UserId, principal: CurrentPrincipal, services: AppServices) -> Response:
    return json_response(await services.get_user(user_id, principal=principal))


@router.patch(
    "/{user_id}",
    response_model=UserResponse,
    responses=error_responses(
        *_AUTH, "user_not_found", "invalid_json", "validation_failed", "conflict"
    ),
    summary="Change a user's fields; active: false deactivates and revokes their tokens",
)
async def update_user(
    user_id: UserId, body: UserUpdateRequest, principal: CurrentPrincipal, services: AppServices
) -> Response:
    sent = body.model_dump(exclude_unset=True, mode="json")
    user = await services.update_user(user_id, UpdateUser(**sent), principal=principal)
    return json_response(user)
