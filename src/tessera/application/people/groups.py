"""Use cases: create, change, read and list groups, and manage their members (admins manage;
agents and admins read; customers neither)."""

from __future__ import annotations

from dataclasses import dataclass

from tessera.application.errors import GroupNotFoundError, UserNotFoundError
from tessera.application.people.events import field_changes, group_fields
from tessera.application.people.users import ensure_admin, ensure_staff
from tessera.application.people.views import GroupView, Page, UserView, id_page
from tessera.application.ports.clock import Clock
from tessera.application.ports.people import UserFilter
from tessera.application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from tessera.application.validation import FieldErrors
from tessera.domain.access.principal import Principal
from tessera.domain.errors import DomainValidationError
from tessera.domain.events import (
    GroupCreated,
    GroupMemberAdded,
    GroupMemberRemoved,
    GroupUpdated,
)
from tessera.domain.people.groups import GROUP_NAME_MAX, Group, parse_description
from tessera.domain.people.names import parse_name
from tessera.domain.tickets.ticket import UNSET, Unset


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateGroup:
    name: str
    description: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateGroup:
    name: str | Unset = UNSET
    description: str | Unset = UNSET


async def _group(uow: UnitOfWork, group_id: int) -> Group:
    group = await uow.groups.get(group_id)
    if group is None:
        raise GroupNotFoundError(group_id)
    return group


class CreateGroupHandler:
    """Raises ForbiddenError (not an admin) and DomainValidationError."""

    def __init__(self, *, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, command: CreateGroup, *, principal: Principal) -> GroupView:
        ensure_admin(principal)
        group = Group.form(
            name=command.name, description=command.description, now=self._clock.now()
        )
        async with self._uow() as uow:
            await uow.groups.add(group)
            uow.record(
                GroupCreated(
                    subject_id=group.id,
                    actor=principal.actor,
                    occurred_at=group.created_at,
                    group=group_fields(group),
                )
            )
            await uow.commit()
        return GroupView.of(group)


class UpdateGroupHandler:
    """Raises ForbiddenError, GroupNotFoundError and DomainValidationError."""

    def __init__(self, *, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(
        self, group_id: int, command: UpdateGroup, *, principal: Principal
    ) -> GroupView:
        ensure_admin(principal)
        async with self._uow() as uow:
            group = await _group(uow, group_id)
            before = group_fields(group)
            fields = FieldErrors()
            if not isinstance(command.name, Unset):
                name = command.name
                group.name = fields.take(
                    lambda: parse_name(name, longest=GROUP_NAME_MAX), group.name
                )
            if not isinstance(command.description, Unset):
                text = command.description
                group.description = fields.take(lambda: parse_description(text), group.description)
            fields.raise_any()
            group.updated_at = self._clock.now()
            await uow.groups.save(group)
            if changes := field_changes(before, group_fields(group)):
                uow.record(
                    GroupUpdated(
                        subject_id=group.id,
                        actor=principal.actor,
                        occurred_at=group.updated_at,
                        changes=changes,
                    )
                )
            await uow.commit()
        return GroupView.of(group)


class GetGroupHandler:
    """Raises ForbiddenError (a customer) and GroupNotFoundError."""

    def __init__(self, *, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, group_id: int, *, principal: Principal) -> GroupView:
        ensure_staff(principal)
        async with self._uow() as uow:
            return GroupView.of(await _group(uow, group_id))


class ListGroupsHandler:
    """Raises ForbiddenError (a customer)."""

    def __init__(self, *, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, *, principal: Principal, after_id: int, limit: int) -> Page[GroupView]:
        ensure_staff(principal)
        async with self._uow() as uow:
            found = await uow.groups.list(after_id=after_id, limit=limit + 1)
        return id_page([GroupView.of(g) for g in found], limit=limit)


class AddMemberHandler:
    """Raises ForbiddenError, GroupNotFoundError and DomainValidationError (``user_id``
    names no active agent or admin). Adding a member twice changes nothing."""

    def __init__(self, *, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, group_id: int, user_id: int, *, principal: Principal) -> None:
        ensure_admin(principal)
        async with self._uow() as uow:
            await _group(uow, group_id)
            user = await uow.users.get(user_id)
            if user is None or not user.active_staff:
                raise DomainValidationError.single(
                    "user_id", f"{user_id} is not an active agent or admin"
                )
            if await uow.groups.add_member(group_id, user_id):
                uow.record(
                    GroupMemberAdded(
                        subject_id=group_id,
                        actor=principal.actor,
                        occurred_at=self._clock.now(),
                        user_id=user_id,
                    )
                )
                await uow.commit()


class RemoveMemberHandler:
    """Raises ForbiddenError, GroupNotFoundError and UserNotFoundError (not a member)."""

    def __init__(self, *, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, group_id: int, user_id: int, *, principal: Principal) -> None:
        ensure_admin(principal)
        async with self._uow() as uow:
            await _group(uow, group_id)
            if not await uow.groups.remove_member(group_id, user_id):
                raise UserNotFoundError(user_id)
            uow.record(
                GroupMemberRemoved(
                    subject_id=group_id,
                    actor=principal.actor,
                    occurred_at=self._clock.now(),
                    user_id=user_id,
                )
            )
            await uow.commit()


class ListMembersHandler:
    """Raises ForbiddenError (a customer) and GroupNotFoundError."""

    def __init__(self, *, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(
        self, group_id: int, *, principal: Principal, after_id: int, limit: int
    ) -> Page[UserView]:
        ensure_staff(principal)
        async with self._uow() as uow:
            await _group(uow, group_id)
            found = await uow.users.list(
                UserFilter(group_id=group_id), after_id=after_id, limit=limit + 1
            )
        return id_page([UserView.of(u) for u in found], limit=limit)
