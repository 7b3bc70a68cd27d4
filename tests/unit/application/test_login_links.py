"""The portal's login links over the in-memory adapters: mailed only to active customers
(with the same outcome for any other address), valid once and for 15 minutes, limited like
the console's login, and redeemed for a fresh customer session."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from tessera.application.errors import RateLimitedError, UnauthenticatedError
from tessera.application.people.users import CreateUser, UpdateUser
from tessera.application.web_sessions.login_links import (
    LINK_REFUSED,
    RequestLoginLink,
    RequestLoginLinkHandler,
)
from tessera.application.web_sessions.sessions import Audience, LoginLimits
from tessera.bootstrap.memory import build_memory_services
from tessera.domain.access.principal import Role
from tessera.infrastructure.memory.login_links import (
    InMemoryLoginLinkStore,
    RecordingLoginLinkMailer,
)
from tessera.infrastructure.memory.unit_of_work import InMemoryUnitOfWork
from tessera.infrastructure.ratelimit.buckets import LocalBuckets
from tests.support import FrozenClock
from tests.unit.application.conftest import App

SITE = "https://help.example.com"


@pytest.fixture
def mailer() -> RecordingLoginLinkMailer:
    return RecordingLoginLinkMailer()


@pytest.fixture
def portal(clock: FrozenClock, mailer: RecordingLoginLinkMailer) -> App:
    services, store = build_memory_services(clock=clock, login_link_mailer=mailer)
    return App(services=services, store=store, clock=clock)


async def _user(app: App, *, role: str = "customer", email: str = "ada@example.com") -> int:
    admin = await app.principal("admin")
    created = await app.services.create_user(
        CreateUser(
            name="Ada",
            email=email,
            role=role,
            password=None if role == "customer" else "correct horse battery staple",
        ),
        principal=admin,
    )
    return created.id


def _ask(email: str = "ada@example.com", client: str = "192.0.2.1") -> RequestLoginLink:
    return RequestLoginLink(email=email, client=client, site_url=f"{SITE}/")


def _token(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


async def test_an_active_customer_gets_a_link_that_logs_them_in(
    portal: App, mailer: RecordingLoginLinkMailer
) -> None:
    user_id = await _user(portal)

    await portal.services.request_login_link(_ask("ADA@example.com"))

    [sent] = mailer.sent
    assert sent.recipient == "ada@example.com"
    assert sent.link.startswith(f"{SITE}/portal/login/link?token=")
    assert sent.expires_at == portal.clock.now() + timedelta(minutes=15)
    started = await portal.services.redeem_login_link(_token(sent.link))
    found = await portal.services.resolve_session(started.secret, audience=Audience.CUSTOMER)
    assert (found.principal.user_id, found.principal.role) == (user_id, Role.REQUESTER)


async def test_only_a_digest_of_the_token_is_stored(
    portal: App, mailer: RecordingLoginLinkMailer
) -> None:
    await _user(portal)
    await portal.services.request_login_link(_ask())
    token = _token(mailer.sent[0].link)
    store = portal.services.redeem_login_link._store
    assert isinstance(store, InMemoryLoginLinkStore)
    kept = list(store.links)
    assert len(kept) == 1
    assert token not in kept[0]
    assert len(kept[0]) == 64


@pytest.mark.parametrize(
    ("role", "email", "active"),
    [
        ("customer", "nobody@example.com", True),  # no such user
        ("customer", "ada@example.com", False),  # deactivated
        ("agent", "ada@example.com", True),  # staff log in with their password
        ("customer", "not an address", True),
    ],
)
async def test_no_link_goes_anywhere_else_and_the_answer_is_the_same(
    portal: App, mailer: RecordingLoginLinkMailer, role: str, email: str, active: bool
) -> None:
    user_id = await _user(portal, role=role)
    if not active:
        admin = await portal.principal("admin")
        await portal.services.update_user(user_id, UpdateUser(active=False), principal=admin)

    await portal.services.request_login_link(_ask(email))  # returns, raising nothing

    assert mailer.sent == []


async def test_a_link_works_once(portal: App, mailer: RecordingLoginLinkMailer) -> None:
    await _user(portal)
    await portal.services.request_login_link(_ask())
    token = _token(mailer.sent[0].link)
    await portal.services.redeem_login_link(token)

    with pytest.raises(UnauthenticatedError) as refused:
        await portal.services.redeem_login_link(token)
    assert refused.value.message == LINK_REFUSED


async def test_a_link_expires_after_15_minutes(
    portal: App, mailer: RecordingLoginLinkMailer
) -> None:
    await _user(portal)
    await portal.services.request_login_link(_ask())
    await portal.services.request_login_link(_ask())
    late, in_time = (_token(s.link) for s in mailer.sent)

    portal.clock.advance(minutes=14, seconds=59)
    await portal.services.redeem_login_link(in_time)
    portal.clock.advance(seconds=1)
    with pytest.raises(UnauthenticatedError):
        await portal.services.redeem_login_link(late)


@pytest.mark.parametrize("token", ["", "made-up", "x" * 500])
async def test_an_unknown_link_is_refused(portal: App, token: str) -> None:
    with pytest.raises(UnauthenticatedError):
        await portal.services.redeem_login_link(token)


async def test_a_customer_deactivated_after_the_mail_cannot_use_the_link(
    portal: App, mailer: RecordingLoginLinkMailer
) -> None:
    user_id = await _user(portal)
    await portal.services.request_login_link(_ask())
    admin = await portal.principal("admin")
    await portal.services.update_user(user_id, UpdateUser(active=False), principal=admin)

    with pytest.raises(UnauthenticatedError):
        await portal.services.redeem_login_link(_token(mailer.sent[0].link))


async def test_asking_is_limited_per_address_known_or_not(portal: App) -> None:
    await _user(portal)
    for email in ("ada@example.com", "nobody@example.com"):
        for n in range(5):
            await portal.services.request_login_link(_ask(email, client=f"192.0.2.{n}"))
        with pytest.raises(RateLimitedError):
            await portal.services.request_login_link(_ask(email, client="192.0.2.99"))


async def test_asking_is_limited_per_client(portal: App) -> None:
    for n in range(30):
        await portal.services.request_login_link(_ask(f"someone{n}@example.com"))
    with pytest.raises(RateLimitedError):
        await portal.services.request_login_link(_ask("someone-else@example.com"))


async def test_a_configured_site_address_wins_over_the_requests(
    portal: App, mailer: RecordingLoginLinkMailer
) -> None:
    await _user(portal)
    handler = RequestLoginLinkHandler(
        uow=lambda: InMemoryUnitOfWork(portal.store),
        store=InMemoryLoginLinkStore(),
        mailer=mailer,
        limiter=LocalBuckets(),
        limits=LoginLimits(),
        clock=portal.clock,
        site_url="https://support.example.org",
    )

    await handler(RequestLoginLink(email="ada@example.com", client="c", site_url="http://evil/"))

    assert mailer.sent[0].link.startswith("https://support.example.org/portal/login/link?")


async def test_admitting_only_checks_the_limits_and_delivering_only_mails(
    portal: App, mailer: RecordingLoginLinkMailer
) -> None:
    await _user(portal)
    handler = portal.services.request_login_link

    for _ in range(5):
        await handler.admit(_ask())
    assert mailer.sent == []
    with pytest.raises(RateLimitedError):
        await handler.admit(_ask())
    await handler.deliver(_ask())  # the page runs it after answering; no limit of its own
    assert [s.recipient for s in mailer.sent] == ["ada@example.com"]
