"""People use cases over the memory adapters: who may manage and read users, organizations
and groups; passwords are hashed and never shown; tokens act as their user."""

from __future__ import annotations

import pytest

from tessera.application.errors import (
    ConflictError,
    EmailTakenError,
    ForbiddenError,
    GroupNotFoundError,
    UnauthenticatedError,
    UserNotFoundError,
)
from tessera.application.people.groups import CreateGroup
from tessera.application.people.organizations import CreateOrganization
from tessera.application.people.users import CreateUser, UpdateUser
from tessera.application.ports.people import UserFilter
from tessera.application.tokens.manage_tokens import IssueToken
from tessera.domain.access.mailboxes import LookalikeAddressError
from tessera.domain.errors import DomainValidationError
from tessera.infrastructure.passwords import Argon2PasswordHasher
from tests.unit.application.conftest import App


async def test_a_staff_password_is_stored_as_an_argon2id_hash_only(app: App) -> None:
    admin = await app.principal("admin")
    view = await app.services.create_user(
        CreateUser(
            name="Grace",
            email="grace@support.example.com",
            role="agent",
            password="correct horse battery",
        ),
        principal=admin,
    )
    stored = app.store.users[view.id].password_hash
    assert stored is not None
    assert stored.startswith("$argon2id$")
    assert await Argon2PasswordHasher().verify(stored, "correct horse battery")
    assert not await Argon2PasswordHasher().verify(stored, "wrong horse battery")
    assert "password" not in {name for name in dir(view) if not name.startswith("_")}


@pytest.mark.parametrize(
    ("role", "password", "field"),
    [("customer", "correct horse battery", "password"), ("agent", "short", "password")],
)
async def test_passwords_are_for_staff_and_long_enough(
    app: App, role: str, password: str, field: str
) -> None:
    with pytest.raises(DomainValidationError) as refused:
        await app.services.create_user(
            CreateUser(name="X", email="x@example.com", role=role, password=password),
            principal=None,
        )
    assert [e.field for e in refused.value.errors] == [field]


async def test_an_address_is_taken_in_any_letter_case_and_look_alikes_are_refused(
    app: App,
) -> None:
    await app.services.create_user(
        CreateUser(name="Ada", email="ada@example.com", role="customer"), principal=None
    )
    with pytest.raises((EmailTakenError, LookalikeAddressError)):
        await app.services.create_user(
            CreateUser(name="Ada", email="ADA@example.com", role="customer"), principal=None
        )


async def test_only_admins_manage_people_and_customers_read_only_themselves(app: App) -> None:
    agent = await app.principal("agent")
    customer = await app.principal("requester", email="ada@example.com")
    other = await app.principal("requester", email="bob@example.com")
    with pytest.raises(ForbiddenError):
        await app.services.create_user(
            CreateUser(name="X", email="x@example.com", role="agent"), principal=agent
        )
    with pytest.raises(ForbiddenError):
        await app.services.create_group(CreateGroup(name="Billing"), principal=agent)
    assert (await app.services.get_user(customer.user_id, principal=customer)).email == (
        "ada@example.com"
    )
    with pytest.raises(UserNotFoundError):
        await app.services.get_user(other.user_id, principal=customer)
    with pytest.raises(ForbiddenError):
        await app.services.list_users(UserFilter(), principal=customer, after_id=0, limit=10)
    assert (await app.services.get_user(other.user_id, principal=agent)).id == other.user_id


async def test_deactivating_a_user_stops_every_token_of_theirs(app: App) -> None:
    admin = await app.principal("admin")
    grace = await app.services.create_user(
        CreateUser(name="Grace", email="grace@support.example.com", role="agent"),
        principal=admin,
    )
    secrets = [
        (
            await app.services.issue_token(
                IssueToken(name=f"device {n}", user_id=grace.id), principal=admin
            )
        ).secret
        for n in range(2)
    ]
    assert (await app.services.authenticate(secrets[0])).user_id == grace.id
    await app.services.update_user(grace.id, UpdateUser(active=False), principal=admin)
    for secret in secrets:
        with pytest.raises(UnauthenticatedError):
            await app.services.authenticate(secret)
    with pytest.raises(DomainValidationError):
        await app.services.issue_token(IssueToken(name="again", user_id=grace.id), principal=admin)
    with pytest.raises(ConflictError):
        await app.services.update_user(admin.user_id, UpdateUser(active=False), principal=admin)


async def test_the_old_token_body_finds_the_user_and_a_new_customer_joins_by_domain(
    app: App,
) -> None:
    admin = await app.principal("admin")
    acme = await app.services.create_organization(
        CreateOrganization(name="Acme", domains=("acme.example",), shared_tickets=True),
        principal=admin,
    )
    first = await app.services.issue_token(
        IssueToken(name="portal", role="requester", email="ada@acme.example"), principal=admin
    )
    second = await app.services.issue_token(
        IssueToken(name="phone", role="requester", email="ada@acme.example"), principal=admin
    )
    assert first.token.user_id == second.token.user_id
    ada = app.store.users[first.token.user_id]
    assert (ada.role, ada.organization_id) == ("customer", acme.id)
    with pytest.raises(DomainValidationError) as refused:
        await app.services.issue_token(
            IssueToken(name="x", role="agent", email="ada@acme.example"), principal=admin
        )
    assert refused.value.errors[0].field == "role"


async def test_group_members_are_active_staff_and_come_and_go(app: App) -> None:
    admin = await app.principal("admin")
    agent = await app.principal("agent")
    customer = await app.principal("requester", email="ada@example.com")
    group = await app.services.create_group(
        CreateGroup(name="Billing", description="Refunds"), principal=admin
    )
    await app.services.add_member(group.id, agent.user_id, principal=admin)
    await app.services.add_member(group.id, agent.user_id, principal=admin)  # no-op
    with pytest.raises(DomainValidationError):
        await app.services.add_member(group.id, customer.user_id, principal=admin)
    with pytest.raises(GroupNotFoundError):
        await app.services.add_member(group.id + 1, agent.user_id, principal=admin)
    members = await app.services.list_members(group.id, principal=agent, after_id=0, limit=10)
    assert [m.id for m in members.items] == [agent.user_id]
    with pytest.raises(ForbiddenError):
        await app.services.list_members(group.id, principal=customer, after_id=0, limit=10)
    await app.services.remove_member(group.id, agent.user_id, principal=admin)
    with pytest.raises(UserNotFoundError):
        await app.services.remove_member(group.id, agent.user_id, principal=admin)
    members = await app.services.list_members(group.id, principal=agent, after_id=0, limit=10)
    assert members.items == []


async def test_user_lists_page_by_id(app: App) -> None:
    admin = await app.principal("admin")
    for n in range(3):
        await app.services.create_user(
            CreateUser(name=f"C{n}", email=f"c{n}@example.com", role="customer"),
            principal=admin,
        )
    first = await app.services.list_users(
        UserFilter(role=None), principal=admin, after_id=0, limit=2
    )
    assert first.next_cursor == str(first.items[-1].id)
    rest = await app.services.list_users(
        UserFilter(), principal=admin, after_id=int(first.next_cursor), limit=2
    )
    assert rest.next_cursor is None
    assert len(first.items) + len(rest.items) == 4  # the admin and three customers
