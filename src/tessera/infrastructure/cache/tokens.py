"""Authentication on the hot path: principals cached in process for a short TTL.

Revoking a token, or changing a user (deactivating them, changing their role) or an
organization (whether it shares tickets) or a group's members (an agent's scope), clears
this cache on every replica at once
(through the invalidation channel); the TTL bounds how long a revoked token could last if
Redis were down meanwhile.
"""

from __future__ import annotations

from tessera.application.people.groups import AddMemberHandler, RemoveMemberHandler
from tessera.application.people.organizations import (
    UpdateOrganization,
    UpdateOrganizationHandler,
)
from tessera.application.people.users import (
    UpdateProfile,
    UpdateProfileHandler,
    UpdateUser,
    UpdateUserHandler,
)
from tessera.application.people.views import OrganizationView, UserView
from tessera.application.tokens.authenticate import AuthenticateHandler
from tessera.application.tokens.manage_tokens import RevokeTokenHandler
from tessera.application.tokens.secret import hash_secret
from tessera.domain.access.principal import Principal
from tessera.infrastructure.cache.local import LocalCache
from tessera.infrastructure.cache.stats import CacheStats
from tessera.infrastructure.cache.tickets import CacheInvalidator


class CachingAuthenticateHandler(AuthenticateHandler):
    def __init__(
        self, inner: AuthenticateHandler, *, cache: LocalCache[str, Principal], stats: CacheStats
    ) -> None:
        self._inner = inner
        self._cache = cache
        self._stats = stats

    async def __call__(self, secret: str | None) -> Principal:
        if not secret:
            return await self._inner(secret)
        key = hash_secret(secret)
        principal = self._cache.get(key)
        self._stats.record("tokens", hit=principal is not None)
        if principal is not None:
            return principal
        generation = self._cache.generation(key)
        principal = await self._inner(secret)  # raises for unknown and revoked tokens
        self._cache.put_if(key, principal, generation)
        return principal


class InvalidatingRevokeTokenHandler(RevokeTokenHandler):
    def __init__(self, inner: RevokeTokenHandler, *, invalidator: CacheInvalidator) -> None:
        self._inner = inner
        self._invalidator = invalidator

    async def __call__(self, token_id: int, *, principal: Principal) -> None:
        await self._inner(token_id, principal=principal)
        await self._invalidator.tokens_changed()


class InvalidatingUpdateUserHandler(UpdateUserHandler):
    """A cached principal carries the user's role, organization and active state."""

    def __init__(self, inner: UpdateUserHandler, *, invalidator: CacheInvalidator) -> None:
        self._inner = inner
        self._invalidator = invalidator

    async def __call__(
        self, user_id: int, command: UpdateUser, *, principal: Principal | None
    ) -> UserView:
        view = await self._inner(user_id, command, principal=principal)
        await self._invalidator.tokens_changed()
        return view


class InvalidatingUpdateOrganizationHandler(UpdateOrganizationHandler):
    """A cached customer's principal carries whether their organization shares tickets."""

    def __init__(self, inner: UpdateOrganizationHandler, *, invalidator: CacheInvalidator) -> None:
        self._inner = inner
        self._invalidator = invalidator

    async def __call__(
        self, organization_id: int, command: UpdateOrganization, *, principal: Principal
    ) -> OrganizationView:
        view = await self._inner(organization_id, command, principal=principal)
        await self._invalidator.tokens_changed()
        return view


class InvalidatingAddMemberHandler(AddMemberHandler):
    """A cached agent's principal carries their groups (TESSERA_AGENT_SCOPE=groups)."""

    def __init__(self, inner: AddMemberHandler, *, invalidator: CacheInvalidator) -> None:
        self._inner = inner
        self._invalidator = invalidator

    async def __call__(self, group_id: int, user_id: int, *, principal: Principal) -> None:
        await self._inner(group_id, user_id, principal=principal)
        await self._invalidator.tokens_changed()


class InvalidatingRemoveMemberHandler(RemoveMemberHandler):
    def __init__(self, inner: RemoveMemberHandler, *, invalidator: CacheInvalidator) -> None:
        self._inner = inner
        self._invalidator = invalidator

    async def __call__(self, group_id: int, user_id: int, *, principal: Principal) -> None:
        await self._inner(group_id, user_id, principal=principal)
        await self._invalidator.tokens_changed()


class InvalidatingUpdateProfileHandler(UpdateProfileHandler):
    """A cached principal carries the user's name."""

    def __init__(self, inner: UpdateProfileHandler, *, invalidator: CacheInvalidator) -> None:
        self._inner = inner
        self._invalidator = invalidator

    async def __call__(self, command: UpdateProfile, *, principal: Principal) -> UserView:
        view = await self._inner(command, principal=principal)
        await self._invalidator.tokens_changed()
        return view
