"""The admin pages for people: users (create, edit, groups, deactivate) and groups (create,
rename, members), each change made by the same use case as the API's."""

from __future__ import annotations

from typing import Any, Final

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tessera.application.errors import ConflictError
from tessera.application.people.groups import CreateGroup, UpdateGroup
from tessera.application.people.users import CreateUser, UpdateUser
from tessera.application.people.views import GroupView, UserView
from tessera.application.ports.people import UserFilter
from tessera.application.services import Services
from tessera.domain.access.mailboxes import EmailAddress, LookalikeAddressError
from tessera.domain.errors import DomainValidationError, TesseraError
from tessera.domain.people.users import UserRole
from tessera.domain.tickets.ticket import UNSET
from tessera.presentation.web.admin_forms import (
    AdminUser,
    FormErrors,
    after,
    ids,
    optional_id,
    secret_text,
    text,
)
from tessera.presentation.web.auth import PageUser, services_of
from tessera.presentation.web.errors import status_of
from tessera.presentation.web.paths import CONSOLE
from tessera.presentation.web.templating import render
from tessera.presentation.web.ticket_forms import path_id

router = APIRouter(include_in_schema=False)
ADMIN: Final = f"{CONSOLE}/admin"
PAGE: Final = 50
GROUPS: Final = 100
# What a person can correct in the form (422 and 409 in the API): said beside the field.
FORM_ERRORS: Final = (DomainValidationError, ConflictError, LookalikeAddressError)
ROLES: Final = tuple(r.value for r in UserRole)


def context(user: PageUser, **values: Any) -> dict[str, Any]:
    return {"principal": user.principal, "csrf_token": user.csrf_token, **values}


def form_failed(
    request: Request, template: str, values: dict[str, Any], error: TesseraError, **kw: str
) -> Response:
    errors = FormErrors.of(error, **kw)
    return render(request, template, {**values, "errors": errors}, status_code=status_of(error))


@router.get(ADMIN)
async def admin_home(user: AdminUser) -> Response:
    return RedirectResponse(f"{ADMIN}/users", status_code=303)


async def _users_page(
    request: Request, user: AdminUser, *, form: dict[str, str], errors: TesseraError | None
) -> Response:
    services = services_of(request)
    found = await services.list_users(
        UserFilter(),
        principal=user.principal,
        after_id=after(request.query_params.get("after")),
        limit=PAGE,
    )
    values = context(user, users=found, roles=ROLES, form=form, errors=FormErrors())
    if errors is not None:
        return form_failed(request, "console/admin/users.html", values, errors)
    return render(request, "console/admin/users.html", values)


@router.get(f"{ADMIN}/users")
async def users(request: Request, user: AdminUser) -> Response:
    return await _users_page(request, user, form={"role": "agent"}, errors=None)


@router.post(f"{ADMIN}/users")
async def create_user(request: Request, user: AdminUser) -> Response:
    form = await request.form()
    sent = {k: text(form, k) for k in ("name", "email", "role", "time_zone")}
    command = CreateUser(
        name=sent["name"],
        email=sent["email"],
        role=sent["role"],
        time_zone=sent["time_zone"] or "UTC",
        password=secret_text(form, "password"),
    )
    try:
        created = await services_of(request).create_user(command, principal=user.principal)
    except FORM_ERRORS as error:
        return await _users_page(request, user, form=sent, errors=error)
    return RedirectResponse(f"{ADMIN}/users/{created.id}?done=created", status_code=303)


async def _member_of(services: Services, person: UserView, user: PageUser) -> set[int]:
    """The groups ``person`` is in: one small query per group (there are few groups)."""
    groups = await services.list_groups(principal=user.principal, after_id=0, limit=GROUPS)
    found: set[int] = set()
    for group in groups.items:
        where = UserFilter(group_id=group.id, email=EmailAddress(person.email))
        members = await services.list_users(where, principal=user.principal, after_id=0, limit=1)
        if members.items:
            found.add(group.id)
    return found


async def _user_page(
    request: Request,
    user: PageUser,
    user_id: int,
    *,
    errors: FormErrors | None = None,
    status: int = 200,
) -> Response:
    services = services_of(request)
    person = await services.get_user(user_id, principal=user.principal)
    groups = await services.list_groups(principal=user.principal, after_id=0, limit=GROUPS)
    member = await _member_of(services, person, user) if person.role != "customer" else set()
    values = context(
        user,
        person=person,
        roles=ROLES,
        groups=groups.items,
        member=member,
        errors=errors or FormErrors(),
        done=request.query_params.get("done", ""),
    )
    return render(request, "console/admin/user.html", values, status_code=status)


@router.get(ADMIN + "/users/{user_id}")
async def user_page(user_id: str, request: Request, user: AdminUser) -> Response:
    return await _user_page(request, user, path_id(user_id))


@router.post(ADMIN + "/users/{user_id}")
async def update_user(user_id: str, request: Request, user: AdminUser) -> Response:
    number = path_id(user_id)
    services = services_of(request)
    form = await request.form()
    password = secret_text(form, "password")
    command = UpdateUser(
        name=text(form, "name"),
        role=text(form, "role"),
        time_zone=text(form, "time_zone"),
        password=password if password is not None else UNSET,
    )
    try:
        person = await services.update_user(number, command, principal=user.principal)
        if person.role != "customer":
            await _set_groups(services, user, person, wanted=ids(form, "groups"))
    except FORM_ERRORS as error:
        return await _user_page(
            request, user, number, errors=FormErrors.of(error), status=status_of(error)
        )
    return RedirectResponse(f"{ADMIN}/users/{number}?done=saved", status_code=303)


async def _set_groups(
    services: Services, user: PageUser, person: UserView, *, wanted: frozenset[int]
) -> None:
    current = await _member_of(services, person, user)
    for group_id in sorted(wanted - current):
        await services.add_member(group_id, person.id, principal=user.principal)
    for group_id in sorted(current - wanted):
        await services.remove_member(group_id, person.id, principal=user.principal)


@router.post(ADMIN + "/users/{user_id}/active")
async def set_active(user_id: str, request: Request, user: AdminUser) -> Response:
    """Deactivating ends the user's sessions and stops their tokens (the use case does)."""
    number = path_id(user_id)
    form = await request.form()
    active = text(form, "active") == "true"
    try:
        await services_of(request).update_user(
            number, UpdateUser(active=active), principal=user.principal
        )
    except FORM_ERRORS as error:
        return await _user_page(
            request, user, number, errors=FormErrors.of(error), status=status_of(error)
        )
    done = "activated" if active else "deactivated"
    return RedirectResponse(f"{ADMIN}/users/{number}?done={done}", status_code=303)


async def _groups_page(
    request: Request, user: PageUser, *, form: dict[str, str], error: TesseraError | None
) -> Response:
    found = await services_of(request).list_groups(
        principal=user.principal, after_id=after(request.query_params.get("after")), limit=PAGE
    )
    values = context(user, groups=found, form=form, errors=FormErrors())
    if error is not None:
        return form_failed(request, "console/admin/groups.html", values, error)
    return render(request, "console/admin/groups.html", values)


@router.get(f"{ADMIN}/groups")
async def groups(request: Request, user: AdminUser) -> Response:
    return await _groups_page(request, user, form={}, error=None)


@router.post(f"{ADMIN}/groups")
async def create_group(request: Request, user: AdminUser) -> Response:
    form = await request.form()
    sent = {"name": text(form, "name"), "description": text(form, "description")}
    try:
        group = await services_of(request).create_group(
            CreateGroup(name=sent["name"], description=sent["description"]),
            principal=user.principal,
        )
    except FORM_ERRORS as error:
        return await _groups_page(request, user, form=sent, error=error)
    return RedirectResponse(f"{ADMIN}/groups/{group.id}?done=created", status_code=303)


async def _group_page(
    request: Request,
    user: PageUser,
    group_id: int,
    *,
    errors: FormErrors | None = None,
    status: int = 200,
) -> Response:
    services = services_of(request)
    group: GroupView = await services.get_group(group_id, principal=user.principal)
    members = await services.list_members(
        group_id, principal=user.principal, after_id=0, limit=GROUPS
    )
    staff: list[UserView] = []
    for role in (UserRole.AGENT, UserRole.ADMIN):
        found = await services.list_users(
            UserFilter(role=role, active=True), principal=user.principal, after_id=0, limit=GROUPS
        )
        staff.extend(found.items)
    inside = {m.id for m in members.items}
    values = context(
        user,
        group=group,
        members=members.items,
        candidates=sorted((s for s in staff if s.id not in inside), key=lambda s: s.name.lower()),
        errors=errors or FormErrors(),
        done=request.query_params.get("done", ""),
    )
    return render(request, "console/admin/group.html", values, status_code=status)


@router.get(ADMIN + "/groups/{group_id}")
async def group_page(group_id: str, request: Request, user: AdminUser) -> Response:
    return await _group_page(request, user, path_id(group_id))


@router.post(ADMIN + "/groups/{group_id}")
async def update_group(group_id: str, request: Request, user: AdminUser) -> Response:
    number = path_id(group_id)
    form = await request.form()
    command = UpdateGroup(name=text(form, "name"), description=text(form, "description"))
    try:
        await services_of(request).update_group(number, command, principal=user.principal)
    except FORM_ERRORS as error:
        return await _group_page(
            request, user, number, errors=FormErrors.of(error), status=status_of(error)
        )
    return RedirectResponse(f"{ADMIN}/groups/{number}?done=saved", status_code=303)


@router.post(ADMIN + "/groups/{group_id}/members")
async def change_members(group_id: str, request: Request, user: AdminUser) -> Response:
    number = path_id(group_id)
    services = services_of(request)
    form = await request.form()
    add, remove = optional_id(text(form, "add")), optional_id(text(form, "remove"))
    try:
        if add is not None:
            await services.add_member(number, add, principal=user.principal)
        if remove is not None:
            await services.remove_member(number, remove, principal=user.principal)
    except FORM_ERRORS as error:
        return await _group_page(
            request, user, number, errors=FormErrors.of(error), status=status_of(error)
        )
    return RedirectResponse(f"{ADMIN}/groups/{number}?done=members", status_code=303)
