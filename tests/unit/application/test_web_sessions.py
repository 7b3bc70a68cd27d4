"""Web sessions over the in-memory adapters: login, the principal a session gives, expiry,
logout, the login limits and deactivation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tessera.application.errors import RateLimitedError, UnauthenticatedError
from tessera.application.people.groups import CreateGroup
from tessera.application.people.users import CreateUser, UpdateUser
from tessera.application.web_sessions.sessions import WRONG_CREDENTIALS, Audience, LogIn
from tessera.domain.access.principal import Role
from tests.unit.application.conftest import App

PASSWORD = "correct horse battery staple"


async def _person(app: App, *, role: str = "agent", email: str = "grace@example.com") -> int:
    admin = await app.principal("admin")
    created = await app.services.create_user(
        CreateUser(
            name="Grace",
            email=email,
            role=role,
            password=PASSWORD if role != "customer" else None,
        ),
        principal=admin,
    )
    return created.id


def _login(email: str = "grace@example.com", password: str = PASSWORD) -> LogIn:
    return LogIn(email=email, password=password, client="192.0.2.1")


async def test_a_login_opens_a_session_that_resolves_to_the_user(app: App) -> None:
    user_id = await _person(app)

    started = await app.services.log_in(_login())
    found = await app.services.resolve_session(started.secret, audience=Audience.STAFF)

    assert (found.principal.user_id, found.principal.role) == (user_id, Role.AGENT)
    assert found.csrf_token == started.csrf_token
    assert started.expires_at - started.created_at == timedelta(hours=12)


async def test_each_login_is_a_new_session_with_its_own_csrf_token(app: App) -> None:
    await _person(app)
    first = await app.services.log_in(_login())
    second = await app.services.log_in(_login())
    assert first.secret != second.secret
    assert first.csrf_token != second.csrf_token


@pytest.mark.parametrize(
    "attempt",
    [
        _login(password="not the password"),
        _login(email="nobody@example.com"),
        _login(email="not an address"),
    ],
    ids=["wrong-password", "unknown-address", "malformed-address"],
)
async def test_a_failed_login_says_the_same_whatever_was_wrong(app: App, attempt: LogIn) -> None:
    await _person(app)
    with pytest.raises(UnauthenticatedError) as refused:
        await app.services.log_in(attempt)
    assert refused.value.message == WRONG_CREDENTIALS


async def test_the_console_is_for_staff_and_the_portal_for_customers(app: App) -> None:
    await _person(app)
    staff = await app.services.log_in(_login())
    with pytest.raises(UnauthenticatedError):
        await app.services.resolve_session(staff.secret, audience=Audience.CUSTOMER)
    with pytest.raises(UnauthenticatedError):
        await app.services.log_in(
            LogIn(
                email="grace@example.com",
                password=PASSWORD,
                client="192.0.2.1",
                audience=Audience.CUSTOMER,
            )
        )


async def test_an_expired_session_is_refused_and_forgotten(app: App) -> None:
    await _person(app)
    started = await app.services.log_in(_login())
    app.clock.current += timedelta(hours=12)

    with pytest.raises(UnauthenticatedError):
        await app.services.resolve_session(started.secret, audience=Audience.STAFF)


async def test_logout_ends_only_that_session(app: App) -> None:
    await _person(app)
    here = await app.services.log_in(_login())
    there = await app.services.log_in(_login())

    await app.services.log_out(here.secret)

    with pytest.raises(UnauthenticatedError):
        await app.services.resolve_session(here.secret, audience=Audience.STAFF)
    await app.services.resolve_session(there.secret, audience=Audience.STAFF)


async def test_attempts_past_the_per_address_limit_are_refused_before_the_password(
    app: App,
) -> None:
    await _person(app)
    for _ in range(5):
        with pytest.raises(UnauthenticatedError):
            await app.services.log_in(_login(password="a guess"))

    with pytest.raises(RateLimitedError) as refused:
        await app.services.log_in(_login())
    assert refused.value.retry_after_seconds >= 1
    assert refused.value.code == "rate_limited"


async def test_deactivating_a_user_deletes_their_sessions(app: App) -> None:
    user_id = await _person(app)
    started = await app.services.log_in(_login())
    admin = await app.principal("admin")

    await app.services.update_user(user_id, UpdateUser(active=False), principal=admin)
    await app.services.update_user(user_id, UpdateUser(active=True), principal=admin)

    with pytest.raises(UnauthenticatedError):
        await app.services.resolve_session(started.secret, audience=Audience.STAFF)


async def test_a_session_knows_the_staff_members_groups(app: App) -> None:
    user_id = await _person(app)
    admin = await app.principal("admin")
    group = await app.services.create_group(CreateGroup(name="Billing"), principal=admin)
    await app.services.add_member(group.id, user_id, principal=admin)

    started = await app.services.log_in(_login())
    found = await app.services.resolve_session(started.secret, audience=Audience.STAFF)

    assert found.groups == frozenset({group.id})
