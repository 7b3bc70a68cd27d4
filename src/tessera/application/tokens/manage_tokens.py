"""Use cases: issue, list and revoke API tokens (admins only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tessera.application.errors import ConflictError, ForbiddenError, TokenNotFoundError
from tessera.application.people.directory import find_or_create, placeholder_address
from tessera.application.people.events import actor_of
from tessera.application.ports.clock import Clock
from tessera.application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from tessera.application.tokens.secret import hash_secret, new_secret
from tessera.application.tokens.views import IssuedToken, TokenPage, TokenView
from tessera.application.validation import FieldErrors
from tessera.domain.access.mailboxes import EmailAddress, parse_email
from tessera.domain.access.principal import Principal, Role, can_administer
from tessera.domain.access.tokens import ApiToken
from tessera.domain.errors import DomainValidationError
from tessera.domain.people.users import User, UserRole


@dataclass(frozen=True, slots=True, kw_only=True)
class IssueToken:
    """For ``user_id``, or (the older form) for the user with ``email`` and ``role``, found
    or created."""

    name: str
    user_id: int | None = None
    role: str | None = None
    email: str | None = None
    secret: str | None = None  # a caller-chosen secret (bootstrap); normally generated


def _ensure_admin(principal: Principal | None) -> None:
    if principal is not None and not can_administer(principal):
        raise ForbiddenError("Only admins may manage tokens")


class IssueTokenHandler:
    """Raises ForbiddenError (not an admin), DomainValidationError (no such active user, a
    bad role or address, a role other than that of the address's user) and
    LookalikeAddressError (the e-mail is a look-alike of a known address). ``principal=None``
    is the operator at the command line, who is trusted."""

    def __init__(self, *, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, command: IssueToken, *, principal: Principal | None) -> IssuedToken:
        _ensure_admin(principal)
        secret = command.secret or new_secret()
        now = self._clock.now()
        async with self._uow() as uow:
            user = await _holder(uow, command, now=now, actor=actor_of(principal))
            token = ApiToken.issue(
                user_id=user.id,
                name=command.name,
                role=user.role.access,
                email=user.email,
                token_hash=hash_secret(secret),
                now=now,
            )
            await uow.tokens.add(token)
            await uow.commit()
        return IssuedToken(token=TokenView.of(token), secret=secret)


async def _holder(uow: UnitOfWork, command: IssueToken, *, now: datetime, actor: str) -> User:
    if command.user_id is not None:
        user = await uow.users.get(command.user_id)
        if user is None or not user.active:
            raise DomainValidationError.single("user_id", "must name an active user")
        return user
    fields = FieldErrors()
    role = fields.take(lambda: _parse_role(command.role or ""), Role.REQUESTER)
    email = (
        fields.take(lambda: parse_email(command.email or "", field="email"), EmailAddress(""))
        if command.email is not None
        else None
    )
    fields.raise_any()
    if email is None:
        if role is Role.REQUESTER:
            raise DomainValidationError.single("email", "is required for requester tokens")
        email = placeholder_address()
    wanted = UserRole.of_access(role)
    user = await find_or_create(
        uow, email=email, name=command.name, role=wanted, now=now, actor=actor
    )
    if user.role is not wanted:
        raise DomainValidationError.single("role", f"the user with this e-mail is {user.role}")
    return user


class ListTokensHandler:
    """Raises ForbiddenError (not an admin)."""

    def __init__(self, *, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, *, principal: Principal, after_id: int, limit: int) -> TokenPage:
        _ensure_admin(principal)
        async with self._uow() as uow:
            tokens = await uow.tokens.list(after_id=after_id, limit=limit + 1)
        items = [TokenView.of(t) for t in tokens[:limit]]
        more = len(tokens) > limit
        return TokenPage(items=items, next_cursor=str(items[-1].id) if more else None)


class RevokeTokenHandler:
    """Raises ForbiddenError (not an admin), TokenNotFoundError and ConflictError (an admin
    revoking the token they are using: that would lock them out). Revoking twice is a
    no-op."""

    def __init__(self, *, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, token_id: int, *, principal: Principal) -> None:
        _ensure_admin(principal)
        if token_id == principal.token_id:
            raise ConflictError("A token cannot revoke itself; use another admin token")
        async with self._uow() as uow:
            token = await uow.tokens.get(token_id)
            if token is None:
                raise TokenNotFoundError(token_id)
            if token.active:
                token.revoked_at = self._clock.now()
                await uow.tokens.save(token)
                await uow.commit()


def _parse_role(raw: str) -> Role:
    try:
        return Role(raw)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise DomainValidationError.single("role", f"must be one of {allowed}") from None
