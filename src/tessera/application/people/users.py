"""Use cases: create, change, read and list users (admins manage; staff read; a customer
reads only themselves)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tessera.application.errors import ConflictError, ForbiddenError, UserNotFoundError
from tessera.application.people.events import actor_of, field_changes, user_fields
from tessera.application.people.views import Page, UserView, id_page
from tessera.application.ports.clock import Clock
from tessera.application.ports.passwords import PasswordHasher
from tessera.application.ports.people import UserFilter
from tessera.application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from tessera.application.ports.web_sessions import WebSessionStore
from tessera.application.validation import FieldErrors
from tessera.domain.access.mailboxes import EmailAddress, parse_email
from tessera.domain.access.principal import Principal, can_administer
from tessera.domain.errors import DomainValidationError
from tessera.domain.events import UserCreated, UserDeactivated, UserUpdated
from tessera.domain.people.names import parse_name
from tessera.domain.people.users import (
    DEFAULT_TIME_ZONE,
    User,
    UserRole,
    parse_password,
    parse_time_zone,
    parse_user_role,
)
from tessera.domain.tickets.ticket import UNSET, Unset


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateUser:
    name: str
    email: str
    role: str
    organization_id: int | None = None
    time_zone: str = DEFAULT_TIME_ZONE
    password: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateUser:
    """Every field left UNSET is kept."""

    name: str | Unset = UNSET
    email: str | Unset = UNSET
    role: str | Unset = UNSET
    organization_id: int | Unset | None = UNSET
    time_zone: str | Unset = UNSET
    active: bool | Unset = UNSET
    password: str | Unset | None = UNSET


def ensure_admin(principal: Principal | None) -> None:
    """``None`` is the operator at the command line, who is trusted."""
    if principal is not None and not can_administer(principal):
        raise ForbiddenError("Only admins may manage people")


def ensure_staff(principal: Principal) -> None:
    if not principal.is_staff:
        raise ForbiddenError("Only agents and admins may list people")


async def _organization(uow: UnitOfWork, organization_id: int | None) -> None:
    if organization_id is not None and await uow.organizations.get(organization_id) is None:
        raise DomainValidationError.single("organization_id", "no such organization")


class CreateUserHandler:
    """Raises ForbiddenError (not an admin), DomainValidationError (bad fields, an unknown
    organization, a password for a customer), EmailTakenError and LookalikeAddressError."""

    def __init__(self, *, uow: UnitOfWorkFactory, clock: Clock, passwords: PasswordHasher) -> None:
        self._uow = uow
        self._clock = clock
        self._passwords = passwords

    async def __call__(self, command: CreateUser, *, principal: Principal | None) -> UserView:
        ensure_admin(principal)
        fields = FieldErrors()
        email = fields.take(lambda: parse_email(command.email, field="email"), EmailAddress(""))
        role = fields.take(lambda: parse_user_role(command.role), UserRole.CUSTOMER)
        name = fields.take(lambda: parse_name(command.name), "")
        time_zone = fields.take(lambda: parse_time_zone(command.time_zone), DEFAULT_TIME_ZONE)
        password = (
            fields.take(lambda: parse_password(command.password or ""), None)
            if command.password is not None
            else None
        )
        fields.raise_any()
        password_hash = await self._passwords.hash(password) if password else None
        user = User.register(
            name=name,
            email=email,
            role=role,
            now=self._clock.now(),
            organization_id=command.organization_id,
            time_zone=time_zone,
            password_hash=password_hash,
        )
        async with self._uow() as uow:
            await _organization(uow, command.organization_id)
            await uow.mailboxes.claim(email, field="email")
            await uow.users.add(user)
            uow.record(
                UserCreated(
                    subject_id=user.id,
                    actor=actor_of(principal),
                    occurred_at=user.created_at,
                    user=user_fields(user),
                )
            )
            await uow.commit()
        return UserView.of(user)


class UpdateUserHandler:
    """Raises ForbiddenError (not an admin), UserNotFoundError, DomainValidationError,
    EmailTakenError, LookalikeAddressError and ConflictError (an admin deactivating
    themselves). Deactivating a user stops its tokens at once
    (authentication reads the user; the container also clears the principal caches) and
    ends its web sessions."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        clock: Clock,
        passwords: PasswordHasher,
        sessions: WebSessionStore | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._passwords = passwords
        self._sessions = sessions

    async def __call__(
        self, user_id: int, command: UpdateUser, *, principal: Principal | None
    ) -> UserView:
        ensure_admin(principal)
        if principal is not None and user_id == principal.user_id and command.active is False:
            raise ConflictError("Admins cannot deactivate themselves; ask another admin")
        async with self._uow() as uow:
            user = await uow.users.get(user_id)
            if user is None:
                raise UserNotFoundError(user_id)
            before = user_fields(user)
            await self._apply(uow, user, command)
            user.updated_at = self._clock.now()
            await uow.users.save(user)
            changes = field_changes(before, user_fields(user))
            if not isinstance(command.password, Unset):
                changes["password"] = {"old": None, "new": None}  # changed; never shown
            record_user_changes(uow, user, changes, actor=actor_of(principal))
            await uow.commit()
        if not user.active and self._sessions is not None:
            await self._sessions.delete_for_user(user.id)
        return UserView.of(user)

    async def _apply(self, uow: UnitOfWork, user: User, command: UpdateUser) -> None:
        _apply_plain(user, command)
        if not isinstance(command.organization_id, Unset):
            await _organization(uow, command.organization_id)
            user.organization_id = command.organization_id
        password = command.password
        if isinstance(password, str):
            user.password_hash = await self._passwords.hash(password)
        elif password is None:
            user.password_hash = None
        if not user.is_staff:
            if isinstance(password, str):
                raise DomainValidationError.single("password", "only agents and admins have one")
            user.password_hash = None  # a customer has none, also after a demotion
        if not isinstance(command.email, Unset):
            await uow.mailboxes.claim(user.email, field="email")


def record_user_changes(
    uow: UnitOfWork, user: User, changes: dict[str, dict[str, Any]], *, actor: str
) -> None:
    """``user.updated`` when anything changed, and ``user.deactivated`` when the user went
    from active to inactive."""
    if not changes:
        return
    uow.record(
        UserUpdated(subject_id=user.id, actor=actor, occurred_at=user.updated_at, changes=changes)
    )
    if changes.get("active", {}).get("new") is False:
        uow.record(UserDeactivated(subject_id=user.id, actor=actor, occurred_at=user.updated_at))


def _apply_plain(user: User, command: UpdateUser) -> None:
    """The fields that need no lookup, every bad one reported at once."""
    fields = FieldErrors()
    parsers: dict[str, Callable[[str], object]] = {
        "name": parse_name,
        "email": lambda raw: parse_email(raw, field="email"),
        "role": parse_user_role,
        "time_zone": parse_time_zone,
    }
    for name, parse in parsers.items():
        raw = getattr(command, name)
        if not isinstance(raw, Unset):
            setattr(user, name, fields.take(lambda: parse(raw), getattr(user, name)))  # noqa: B023
    if isinstance(command.password, str):
        fields.take(lambda: parse_password(str(command.password)), None)
    fields.raise_any()
    if not isinstance(command.active, Unset):
        user.active = command.active


class GetUserHandler:
    """Raises UserNotFoundError, also for a customer asking for anyone but themselves."""

    def __init__(self, *, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, user_id: int, *, principal: Principal) -> UserView:
        if not principal.is_staff and user_id != principal.user_id:
            raise UserNotFoundError(user_id)
        async with self._uow() as uow:
            user = await uow.users.get(user_id)
        if user is None:
            raise UserNotFoundError(user_id)
        return UserView.of(user)


class ListUsersHandler:
    """Raises ForbiddenError (a customer)."""

    def __init__(self, *, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(
        self, where: UserFilter, *, principal: Principal, after_id: int, limit: int
    ) -> Page[UserView]:
        ensure_staff(principal)
        async with self._uow() as uow:
            users = await uow.users.list(where, after_id=after_id, limit=limit + 1)
        return id_page([UserView.of(u) for u in users], limit=limit)


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateProfile:
    """What anyone may change of themselves; every field left UNSET is kept."""

    name: str | Unset = UNSET
    time_zone: str | Unset = UNSET


class UpdateProfileHandler:
    """``PATCH /v1/users/me``: the acting user changes their own name and time zone (their
    role, active state, address and organization stay an admin's business). Raises
    DomainValidationError and UserNotFoundError (a user removed since the token was read)."""

    def __init__(self, *, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, command: UpdateProfile, *, principal: Principal) -> UserView:
        async with self._uow() as uow:
            user = await uow.users.get(principal.user_id)
            if user is None:
                raise UserNotFoundError(principal.user_id)
            before = user_fields(user)
            _apply_plain(user, UpdateUser(name=command.name, time_zone=command.time_zone))
            user.updated_at = self._clock.now()
            await uow.users.save(user)
            changes = field_changes(before, user_fields(user))
            record_user_changes(uow, user, changes, actor=principal.actor)
            await uow.commit()
        return UserView.of(user)
