"""Authentication on the hot path: principals cached in process for a short TTL.

Revoking a token, or changing a user (deactivating them, changing their role) or an
organization (whether it shares tickets) or a group's members (an agent's scope), clears
this cache on every replica at once
(through the invalidation channel); the TTL bounds how long a revoked token could last if
Redis were down meanwhile.

When a principal is not cached (the first request, or the first after its TTL), the
requests that arrive with that token meanwhile wait for one lookup instead of each making
its own: a client with 32 connections open would otherwise send 32 identical reads at once,
and on SQLite (units of work take the write lock in turn) wait for each other's.
"""

from __future__ import annotations

import asyncio

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
        self._lookups: dict[str, asyncio.Future[Principal]] = {}  # by token digest

    async def __call__(self, secret: str | None) -> Principal:
        if not secret:
            return await self._inner(secret)
        key = hash_secret(secret)
        principal = self._cache.get(key)
        self._stats.record("tokens", hit=principal is not None)
        if principal is not None:
            return principal
        lookup = self._lookups.get(key)
        if lookup is None:
            lookup = self._lookups[key] = asyncio.ensure_future(self._look_up(key, secret))
            lookup.add_done_callback(lambda done: self._forget(key, done))
        # Shielded: a request that goes away (its client closed) leaves the lookup to the rest.
        return await asyncio.shield(lookup)

    async def _look_up(self, key: str, secret: str) -> Principal:
        generation = self._cache.generation(key)
        principal = await self._inner(secret)  # raises for unknown and revoked tokens
        self._cache.put_if(key, principal, generation)
        return principal

    def _forget(self, key: str, lookup: asyncio.Future[Principal]) -> None:
        if self._lookups.get(key) is lookup:
            del self._lookups[key]
        if not lookup.cancelled():
            lookup.exception()  # seen here, should every request have gone


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
