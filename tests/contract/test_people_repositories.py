"""User, organization and group repository contract: people read back as stored, an address
belongs to one user whatever its letter case, a domain to one organization, lists filter and
page in id order, and memberships come and go."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tessera.application.errors import ConflictError
from tessera.application.ports.people import UserFilter
from tessera.application.ports.unit_of_work import UnitOfWork
from tessera.domain.access.mailboxes import parse_email
from tessera.domain.people.groups import Group
from tessera.domain.people.organizations import Organization
from tessera.domain.people.users import User, UserRole
from tests.contract.conftest import Adapters

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def person(
    email: str, *, role: UserRole = UserRole.CUSTOMER, organization_id: int | None = None
) -> User:
    return User.register(
        name=email.partition("@")[0].title(),
        email=parse_email(email),
        role=role,
        now=NOW,
        organization_id=organization_id,
        time_zone="Europe/Vienna",
        password_hash="$argon2id$v=19$stand-in" if role.is_staff else None,
    )


def fields(user: User | None) -> tuple[object, ...] | None:
    if user is None:
        return None
    return (
        user.id,
        user.name,
        user.email,
        user.role,
        user.organization_id,
        user.active,
        user.time_zone,
        user.password_hash,
        user.created_at,
        user.updated_at,
    )


async def add_users(adapters: Adapters, *users: User) -> None:
    async with adapters.uow() as uow:
        for user in users:
            await uow.users.add(user)
        await uow.commit()


async def add_organization(adapters: Adapters, name: str, *domains: str) -> Organization:
    organization = Organization.found(
        name=name, domains=frozenset(domains), shared_tickets=True, now=NOW
    )
    async with adapters.uow() as uow:
        await uow.organizations.add(organization)
        await uow.commit()
    return organization


async def test_a_user_reads_back_by_id_and_by_address_in_any_case(adapters: Adapters) -> None:
    grace = person("Grace@support.example.com", role=UserRole.AGENT)
    await add_users(adapters, grace)
    assert grace.id >= 1
    async with adapters.uow() as uow:
        by_id = await uow.users.get(grace.id)
        by_email = await uow.users.get_by_email(parse_email("grace@SUPPORT.example.com"))
        by_upper = await uow.users.get_by_email(parse_email("GRACE@support.example.com"))
        assert await uow.users.get(grace.id + 1000) is None
        assert await uow.users.get_by_email(parse_email("nobody@example.com")) is None
    assert fields(by_id) == fields(by_email) == fields(by_upper) == fields(grace)
    assert by_id is not None
    assert by_id.created_at.tzinfo is not None


@pytest.mark.parametrize("spelling", ["ada@example.com", "ADA@example.com", "Ada@Example.COM"])
async def test_an_address_taken_in_any_letter_case_is_a_conflict(
    adapters: Adapters, spelling: str
) -> None:
    await add_users(adapters, person("ada@example.com"))
    async with adapters.uow() as uow:
        with pytest.raises(ConflictError) as refused:
            await uow.users.add(person(spelling))
    assert refused.value.details == [{"field": "email", "message": "is taken"}]
    async with adapters.uow() as uow:
        assert len(await uow.users.list(UserFilter(), after_id=0, limit=10)) == 1


async def test_of_two_units_adding_one_address_only_the_first_commit_stands(
    adapters: Adapters,
) -> None:
    first, second = adapters.uow(), adapters.uow()
    async with first, second:
        await first.users.add(person("ada@example.com"))
        await first.commit()
        with pytest.raises(ConflictError):
            await second.users.add(person("Ada@example.com"))
    async with adapters.uow() as uow:
        stored = await uow.users.list(UserFilter(), after_id=0, limit=10)
    assert [u.email for u in stored] == ["ada@example.com"]


async def test_a_change_is_saved_and_may_not_take_another_users_address(
    adapters: Adapters,
) -> None:
    ada, bob = person("ada@example.com"), person("bob@example.com")
    await add_users(adapters, ada, bob)
    async with adapters.uow() as uow:
        loaded = await uow.users.get(ada.id)
        assert loaded is not None
        loaded.active = False
        loaded.name = "Ada L."
        loaded.email = parse_email("ada.l@example.com")
        loaded.updated_at = NOW + timedelta(hours=1)
        await uow.users.save(loaded)
        await uow.commit()
    async with adapters.uow() as uow:
        stored = await uow.users.get(ada.id)
        assert stored is not None
        assert (stored.active, stored.name, stored.email) == (False, "Ada L.", "ada.l@example.com")
        assert stored.updated_at == NOW + timedelta(hours=1)
        stored.email = parse_email("BOB@example.com")
        with pytest.raises(ConflictError):
            await uow.users.save(stored)


async def test_users_filter_and_page_in_id_order(adapters: Adapters) -> None:
    acme = await add_organization(adapters, "Acme", "acme.example")
    people = [
        person("a@acme.example", organization_id=acme.id),
        person("grace@support.example.com", role=UserRole.AGENT),
        person("b@acme.example", organization_id=acme.id),
        person("root@support.example.com", role=UserRole.ADMIN),
        person("c@elsewhere.example"),
    ]
    await add_users(adapters, *people)
    ids = [u.id for u in people]

    async def listed(where: UserFilter, *, after_id: int = 0, limit: int = 10) -> list[int]:
        async with adapters.uow() as uow:
            return [u.id for u in await uow.users.list(where, after_id=after_id, limit=limit)]

    assert await listed(UserFilter()) == ids
    assert await listed(UserFilter(), limit=2) == ids[:2]
    assert await listed(UserFilter(), after_id=ids[1], limit=2) == ids[2:4]
    assert await listed(UserFilter(role=UserRole.CUSTOMER)) == [ids[0], ids[2], ids[4]]
    assert await listed(UserFilter(organization_id=acme.id)) == [ids[0], ids[2]]
    assert await listed(UserFilter(email=parse_email("B@acme.example"))) == [ids[2]]
    assert await listed(UserFilter(active=False)) == []
    async with adapters.uow() as uow:
        assert [u.id for u in await uow.users.get_many([ids[3], ids[0], 10_000])] == [
            ids[0],
            ids[3],
        ]
        assert await uow.users.get_many([]) == []


async def test_an_organization_reads_back_with_its_domains_and_owns_them(
    adapters: Adapters,
) -> None:
    acme = await add_organization(adapters, "Acme", "acme.example", "acme-mail.example")
    bare = await add_organization(adapters, "No domains")
    async with adapters.uow() as uow:
        loaded = await uow.organizations.get(acme.id)
        by_domain = await uow.organizations.get_by_domain("acme-mail.example")
        assert await uow.organizations.get_by_domain("other.example") is None
        assert await uow.organizations.get(acme.id + 1000) is None
        many = await uow.organizations.get_many([bare.id, acme.id])
        listed = await uow.organizations.list(after_id=0, limit=10)
    for found in (loaded, by_domain):
        assert found is not None
        assert (found.id, found.name, found.domains, found.shared_tickets) == (
            acme.id,
            "Acme",
            frozenset({"acme.example", "acme-mail.example"}),
            True,
        )
    assert [(o.id, o.domains) for o in many] == [
        (acme.id, acme.domains),
        (bare.id, frozenset()),
    ]
    assert [o.id for o in listed] == [acme.id, bare.id]
    with pytest.raises(ConflictError):
        await add_organization(adapters, "Squatter", "acme.example")


async def test_an_organization_changes_its_domains(adapters: Adapters) -> None:
    acme = await add_organization(adapters, "Acme", "acme.example", "old.example")
    async with adapters.uow() as uow:
        loaded = await uow.organizations.get(acme.id)
        assert loaded is not None
        loaded.domains = frozenset({"acme.example", "new.example"})
        loaded.shared_tickets = False
        await uow.organizations.save(loaded)
        await uow.commit()
    async with adapters.uow() as uow:
        assert await uow.organizations.get_by_domain("old.example") is None
        moved = await uow.organizations.get_by_domain("new.example")
    assert moved is not None
    assert (moved.id, moved.shared_tickets) == (acme.id, False)
    other = await add_organization(adapters, "Other", "old.example")  # free again
    assert other.id != acme.id


async def test_groups_read_back_and_members_come_and_go(adapters: Adapters) -> None:
    grace = person("grace@support.example.com", role=UserRole.AGENT)
    alan = person("alan@support.example.com", role=UserRole.AGENT)
    await add_users(adapters, grace, alan)
    billing = Group.form(name="Billing", description="Invoices and refunds", now=NOW)
    tier2 = Group.form(name="Tier 2", description="", now=NOW)
    async with adapters.uow() as uow:
        await uow.groups.add(billing)
        await uow.groups.add(tier2)
        assert await uow.groups.add_member(billing.id, grace.id)
        assert not await uow.groups.add_member(billing.id, grace.id)
        assert await uow.groups.add_member(billing.id, alan.id)
        assert await uow.groups.add_member(tier2.id, grace.id)
        await uow.commit()

    async def members(uow: UnitOfWork, group_id: int) -> list[int]:
        found = await uow.users.list(UserFilter(group_id=group_id), after_id=0, limit=10)
        return [u.id for u in found]

    async with adapters.uow() as uow:
        loaded = await uow.groups.get(billing.id)
        assert loaded is not None
        assert (loaded.name, loaded.description) == ("Billing", "Invoices and refunds")
        assert [g.id for g in await uow.groups.list(after_id=0, limit=10)] == [
            billing.id,
            tier2.id,
        ]
        assert [g.id for g in await uow.groups.get_many([tier2.id])] == [tier2.id]
        assert await members(uow, billing.id) == [grace.id, alan.id]
        assert await uow.groups.groups_of(grace.id) == [billing.id, tier2.id]
        assert await uow.groups.is_member(tier2.id, grace.id)
        assert not await uow.groups.is_member(tier2.id, alan.id)
        assert await uow.groups.remove_member(billing.id, grace.id)
        assert not await uow.groups.remove_member(billing.id, grace.id)
        assert await members(uow, billing.id) == [alan.id]  # the unit sees its own change
        loaded.name = "Billing and refunds"
        await uow.groups.save(loaded)
        await uow.commit()
    async with adapters.uow() as uow:
        assert await members(uow, billing.id) == [alan.id]
        assert await uow.groups.groups_of(grace.id) == [tier2.id]
        renamed = await uow.groups.get(billing.id)
    assert renamed is not None
    assert renamed.name == "Billing and refunds"


async def test_uncommitted_people_are_dropped(adapters: Adapters) -> None:
    async with adapters.uow() as uow:
        await uow.users.add(person("ada@example.com"))
        group = Group.form(name="Billing", description="", now=NOW)
        await uow.groups.add(group)
        assert await uow.users.get_by_email(parse_email("ada@example.com")) is not None
    async with adapters.uow() as uow:
        assert await uow.users.get_by_email(parse_email("ada@example.com")) is None
        assert await uow.groups.get(group.id) is None
