"""Use cases of the portal's login: a one-time link mailed to a customer, and its redemption.

Customers have no password (SPEC §13 gives passwords to agents and admins only): proving
that they read their mailbox is how they log in. The link's token is random (256 bits),
mailed and never stored (the store keeps its digest), valid for a short while and once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from tessera.application.errors import RateLimitedError, UnauthenticatedError
from tessera.application.ports.clock import Clock
from tessera.application.ports.login_links import LoginLink, LoginLinkMailer, LoginLinkStore
from tessera.application.ports.rate_limit import RateLimiter
from tessera.application.ports.unit_of_work import UnitOfWorkFactory
from tessera.application.tokens.secret import hash_secret
from tessera.application.web_sessions.sessions import (
    Audience,
    LoginLimits,
    OpenSessionHandler,
    StartedSession,
)
from tessera.domain.access.mailboxes import EmailAddress, parse_email
from tessera.domain.errors import DomainValidationError

DEFAULT_LINK_LIFETIME = timedelta(minutes=15)
LINK_PATH = "/portal/login/link"  # the portal's page that redeems a link
LINK_REFUSED = "This login link is no longer valid (used, expired or unknown); ask for a new one"
TOO_MANY_REQUESTS = "Too many login links asked for; wait a minute and try again"


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestLoginLink:
    email: str
    client: str  # the caller's network address, for the per-client limit
    site_url: str  # where the request came to (scheme and host), unless one is configured
    next_path: str = ""  # the page to open after login (the caller keeps it to its own site)


class RequestLoginLinkHandler:
    """Mails a link when the address is an active customer's, and does nothing otherwise:
    the caller answers the same either way (the page tells nobody which addresses have
    accounts). Raises RateLimitedError past the limits, for known and unknown addresses
    alike (so the limit tells nothing either)."""

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        store: LoginLinkStore,
        mailer: LoginLinkMailer,
        limiter: RateLimiter,
        limits: LoginLimits,
        clock: Clock,
        lifetime: timedelta = DEFAULT_LINK_LIFETIME,
        site_url: str | None = None,
    ) -> None:
        self._uow = uow
        self._site_url = site_url
        self._store = store
        self._mailer = mailer
        self._limiter = limiter
        self._limits = limits
        self._clock = clock
        self._lifetime = lifetime

    async def __call__(self, command: RequestLoginLink) -> None:
        await self.admit(command)
        await self.deliver(command)

    async def admit(self, command: RequestLoginLink) -> None:
        """The rate limits alone. Raises RateLimitedError. A caller that answers once this
        returns, and runs ``deliver`` after answering, answers as fast for an address with an
        account as for one without (the time taken tells nothing either)."""
        await self._limit(f"login-link:client:{command.client}", self._limits.per_client)
        email = _address(command.email)
        if email is not None:
            await self._limit(
                f"login-link:address:{hash_secret(email.lower())}", self._limits.per_address
            )

    async def deliver(self, command: RequestLoginLink) -> None:
        """Creates and mails the link when the address is an active customer's; nothing
        otherwise. Never checks the limits (``admit`` does)."""
        email = _address(command.email)
        if email is None:
            return
        async with self._uow() as uow:
            user = await uow.users.get_by_email(email)
        if user is None or not user.active or user.is_staff:
            return
        token = secrets.token_urlsafe(32)
        now = self._clock.now()
        link = LoginLink(
            token_hash=hash_secret(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + self._lifetime,
        )
        await self._store.add(link)
        site = (self._site_url or command.site_url).rstrip("/")
        await self._mailer.send(
            recipient=str(user.email),
            name=user.name,
            link=f"{site}{LINK_PATH}?{urlencode(_query(token, command.next_path))}",
            expires_at=link.expires_at,
        )

    async def _limit(self, key: str, capacity: int) -> None:
        decision = await self._limiter.hit(
            key, capacity=capacity, per_seconds=self._limits.per_seconds
        )
        if not decision.allowed:
            raise RateLimitedError(
                TOO_MANY_REQUESTS, retry_after_seconds=max(1, decision.retry_after_seconds)
            )


def _query(token: str, next_path: str) -> dict[str, str]:
    return {"token": token, **({"next": next_path} if next_path else {})}


def _address(raw: str) -> EmailAddress | None:
    try:
        return parse_email(raw, field="email")
    except DomainValidationError:
        return None


class RedeemLoginLinkHandler:
    """The link's token for a new customer session (a fresh secret: whatever session id the
    browser had is never promoted). Raises UnauthenticatedError, with one message, for an
    unknown, used or expired link and for a user who is gone, deactivated or now staff."""

    def __init__(
        self, *, store: LoginLinkStore, clock: Clock, open_session: OpenSessionHandler
    ) -> None:
        self._store = store
        self._clock = clock
        self._open = open_session

    async def __call__(self, token: str) -> StartedSession:
        if not token or len(token) > 200:
            raise UnauthenticatedError(LINK_REFUSED)
        user_id = await self._store.redeem(hash_secret(token), now=self._clock.now())
        if user_id is None:
            raise UnauthenticatedError(LINK_REFUSED)
        try:
            return await self._open(user_id, audience=Audience.CUSTOMER)
        except UnauthenticatedError:
            raise UnauthenticatedError(LINK_REFUSED) from None
