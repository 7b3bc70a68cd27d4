"""Use cases: log in with e-mail and password, resolve a session to its principal, log out.

A session is a random secret in a cookie; the store keeps its digest, the user it belongs
to, its CSRF token and when it expires. Every request reads the user as it is now (like a
bearer token), so a deactivated user or a demoted agent is out at once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from tessera.application.errors import RateLimitedError, UnauthenticatedError
from tessera.application.ports.clock import Clock
from tessera.application.ports.passwords import PasswordHasher
from tessera.application.ports.rate_limit import RateLimiter
from tessera.application.ports.unit_of_work import UnitOfWorkFactory
from tessera.application.ports.web_sessions import WebSession, WebSessionStore
from tessera.application.tokens.authenticate import principal_of
from tessera.application.tokens.secret import hash_secret
from tessera.domain.access.mailboxes import parse_email
from tessera.domain.access.principal import Principal
from tessera.domain.errors import DomainValidationError
from tessera.domain.people.users import User

# A web session is no token: its principal names token 0.
SESSION_TOKEN_ID = 0
WRONG_CREDENTIALS = "The e-mail address or the password is wrong"
TOO_MANY_ATTEMPTS = "Too many login attempts; wait a minute and try again"


class Audience(StrEnum):
    """Who may hold a session of this kind: the console is for agents and admins."""

    STAFF = "staff"
    CUSTOMER = "customer"


@dataclass(frozen=True, slots=True, kw_only=True)
class LoginLimits:
    """Attempts per minute for one address (guessing one password) and for one client
    (trying many addresses)."""

    per_address: int = 5
    per_client: int = 30
    per_seconds: float = 60.0


@dataclass(frozen=True, slots=True, kw_only=True)
class LogIn:
    email: str
    password: str
    client: str  # the caller's network address, for the per-client limit
    audience: Audience = Audience.STAFF


@dataclass(frozen=True, slots=True, kw_only=True)
class StartedSession:
    """The secret goes into the cookie and nowhere else; it is never stored."""

    secret: str
    csrf_token: str
    created_at: datetime
    expires_at: datetime
    principal: Principal


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionPrincipal:
    principal: Principal
    csrf_token: str
    # The groups a staff member belongs to (their console's "My groups"); empty for others.
    groups: frozenset[int] = frozenset()


def _may_enter(user: User, audience: Audience) -> bool:
    return user.active and (user.is_staff if audience is Audience.STAFF else not user.is_staff)


class OpenSessionHandler:
    """A new session for a user who has already proved who they are (a password, a mailed
    link). Always a fresh secret: an id planted before login is never promoted (no
    fixation). Raises UnauthenticatedError for an unknown, inactive or wrong-audience user."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        store: WebSessionStore,
        clock: Clock,
        lifetime: timedelta,
        agents_see_their_groups: bool = False,
    ) -> None:
        self._uow = uow
        self._store = store
        self._clock = clock
        self._lifetime = lifetime
        self._scoped = agents_see_their_groups

    async def __call__(self, user_id: int, *, audience: Audience) -> StartedSession:
        async with self._uow() as uow:
            user = await uow.users.get(user_id)
            if user is None or not _may_enter(user, audience):
                raise UnauthenticatedError(WRONG_CREDENTIALS)
            principal = await principal_of(
                uow, user, token_id=SESSION_TOKEN_ID, scoped=self._scoped
            )
        now = self._clock.now()
        secret = secrets.token_urlsafe(32)
        session = WebSession(
            secret_hash=hash_secret(secret),
            user_id=user_id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + self._lifetime,
        )
        await self._store.add(session)
        return StartedSession(
            secret=secret,
            csrf_token=session.csrf_token,
            created_at=session.created_at,
            expires_at=session.expires_at,
            principal=principal,
        )


class LogInHandler:
    """E-mail and password (argon2id). Raises RateLimitedError past the limits (checked
    before the password, so guessing costs the attacker their budget) and
    UnauthenticatedError with one message for an unknown address, a wrong password, a user
    without a password, a deactivated user and the wrong audience alike."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        passwords: PasswordHasher,
        limiter: RateLimiter,
        limits: LoginLimits,
        open_session: OpenSessionHandler,
    ) -> None:
        self._uow = uow
        self._passwords = passwords
        self._limiter = limiter
        self._limits = limits
        self._open = open_session
        self._decoy: str | None = None

    async def __call__(self, command: LogIn) -> StartedSession:
        try:
            email = parse_email(command.email, field="email")
        except DomainValidationError:
            email = None
        await self._limit(f"login:client:{command.client}", self._limits.per_client)
        if email is not None:
            await self._limit(
                f"login:address:{hash_secret(email.lower())}", self._limits.per_address
            )
        user = None
        if email is not None:
            async with self._uow() as uow:
                user = await uow.users.get_by_email(email)
        if user is None or user.password_hash is None:
            await self._spend_as_much_time(command.password)
            raise UnauthenticatedError(WRONG_CREDENTIALS)
        if not await self._passwords.verify(user.password_hash, command.password):
            raise UnauthenticatedError(WRONG_CREDENTIALS)
        if not _may_enter(user, command.audience):
            raise UnauthenticatedError(WRONG_CREDENTIALS)
        return await self._open(user.id, audience=command.audience)

    async def _limit(self, key: str, capacity: int) -> None:
        decision = await self._limiter.hit(
            key, capacity=capacity, per_seconds=self._limits.per_seconds
        )
        if not decision.allowed:
            raise RateLimitedError(
                TOO_MANY_ATTEMPTS, retry_after_seconds=max(1, decision.retry_after_seconds)
            )

    async def _spend_as_much_time(self, password: str) -> None:
        """Verify against a throwaway hash, so an unknown address answers no faster than a
        known one (the timing would tell which addresses have accounts)."""
        if self._decoy is None:
            self._decoy = await self._passwords.hash(secrets.token_urlsafe(16))
        await self._passwords.verify(self._decoy, password)


class ResolveSessionHandler:
    """Raises UnauthenticatedError for a missing, unknown or expired session, or one whose
    user is gone, deactivated or no longer of the audience."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        store: WebSessionStore,
        clock: Clock,
        agents_see_their_groups: bool = False,
    ) -> None:
        self._uow = uow
        self._store = store
        self._clock = clock
        self._scoped = agents_see_their_groups

    async def __call__(self, secret: str | None, *, audience: Audience) -> SessionPrincipal:
        if not secret:
            raise UnauthenticatedError("Log in first")
        digest = hash_secret(secret)
        session = await self._store.get(digest)
        if session is None:
            raise UnauthenticatedError("Log in first")
        if session.expires_at <= self._clock.now():
            await self._store.delete(digest)
            raise UnauthenticatedError("The session has expired; log in again")
        async with self._uow() as uow:
            user = await uow.users.get(session.user_id)
            if user is None or not _may_enter(user, audience):
                raise UnauthenticatedError("Log in first")
            principal = await principal_of(
                uow, user, token_id=SESSION_TOKEN_ID, scoped=self._scoped
            )
            groups = principal.group_scope
            if groups is None and user.is_staff:
                groups = frozenset(await uow.groups.groups_of(user.id))
        return SessionPrincipal(
            principal=principal, csrf_token=session.csrf_token, groups=groups or frozenset()
        )


class LogOutHandler:
    def __init__(self, *, store: WebSessionStore) -> None:
        self._store = store

    async def __call__(self, secret: str | None) -> None:
        if secret:
            await self._store.delete(hash_secret(secret))
