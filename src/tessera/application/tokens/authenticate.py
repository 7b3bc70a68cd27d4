"""Use cases: turn a bearer secret into a principal; create the first admin token."""

from __future__ import annotations

import dataclasses

from tessera.application.errors import UnauthenticatedError
from tessera.application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from tessera.application.tokens.manage_tokens import IssueToken, IssueTokenHandler
from tessera.application.tokens.secret import hash_secret
from tessera.application.tokens.views import IssuedToken
from tessera.domain.access.principal import Principal
from tessera.domain.people.users import User, UserRole


class AuthenticateHandler:
    """Raises UnauthenticatedError for a missing, unknown or revoked token, or one whose
    user is deactivated. The principal is the token's user as it is now: with their
    organization when it shares tickets, and with their groups when agents are scoped to
    them."""

    def __init__(self, *, uow: UnitOfWorkFactory, agents_see_their_groups: bool = False) -> None:
        self._uow = uow
        self._scoped = agents_see_their_groups  # TESSERA_AGENT_SCOPE=groups

    async def __call__(self, secret: str | None) -> Principal:
        if not secret:
            raise UnauthenticatedError()
        # The lookup is by digest, so comparing secrets never happens byte by byte in Python.
        async with self._uow() as uow:
            token = await uow.tokens.get_by_hash(hash_secret(secret))
            user = await uow.users.get(token.user_id) if token is not None else None
            if token is None or not token.active or user is None or not user.active:
                raise UnauthenticatedError("The bearer token is unknown or revoked")
            return await principal_of(uow, user, token_id=token.id, scoped=self._scoped)


async def principal_of(uow: UnitOfWork, user: User, *, token_id: int, scoped: bool) -> Principal:
    """The user as a principal, however they proved who they are (a token, a web session):
    with their organization when it shares tickets, and with their groups when agents are
    scoped to them (``scoped``: TESSERA_AGENT_SCOPE=groups)."""
    organization = (
        await uow.organizations.get(user.organization_id)
        if user.organization_id is not None and not user.is_staff
        else None
    )
    in_scope = scoped and user.role is UserRole.AGENT
    groups = frozenset(await uow.groups.groups_of(user.id)) if in_scope else None
    principal = dataclasses.replace(user.principal(token_id=token_id), group_scope=groups)
    if organization is not None and organization.shared_tickets:
        principal = dataclasses.replace(principal, shared_organization_id=organization.id)
    return principal


class BootstrapAdminHandler:
    """On an empty token table, issue the first admin token (with ``secret`` when given).

    Returns the issued token, or None when tokens already exist.
    """

    def __init__(self, *, uow: UnitOfWorkFactory, issue: IssueTokenHandler) -> None:
        self._uow = uow
        self._issue = issue

    async def __call__(self, *, secret: str | None) -> IssuedToken | None:
        async with self._uow() as uow:
            if await uow.tokens.count() > 0:
                return None
        command = IssueToken(name="bootstrap admin", role="admin", secret=secret)
        return await self._issue(command, principal=None)
