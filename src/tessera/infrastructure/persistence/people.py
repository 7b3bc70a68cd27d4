"""SQLAlchemy repositories of users, organizations and groups (with their members)."""

from __future__ import annotations

import builtins
from collections import defaultdict
from collections.abc import Collection
from typing import Any

from sqlalchemy import Select, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from tessera.application.errors import DomainTakenError, EmailTakenError
from tessera.application.ports.people import UserFilter
from tessera.domain.access.mailboxes import EmailAddress
from tessera.domain.people.groups import Group
from tessera.domain.people.organizations import Organization
from tessera.domain.people.users import User
from tessera.infrastructure.persistence.driver import DriverStatement
from tessera.infrastructure.persistence.people_mappers import (
    email_key,
    group_from_row,
    group_to_row,
    organization_from_row,
    organization_to_row,
    user_from_row,
    user_to_row,
)
from tessera.infrastructure.persistence.repositories import (
    ConnectionSource,
    DriverSource,
    new_id,
    no_driver,
)
from tessera.infrastructure.persistence.tables import (
    group_members,
    groups,
    organization_domains,
    organizations,
    users,
)
from tessera.infrastructure.persistence.upserts import insert_ignoring_duplicates

# The lookups of every write that names a user, built once (their cache keys memoised).
_BY_ID = select(users).where(users.c.id == bindparam("id"))
_BY_EMAIL_KEY = DriverStatement(select(users).where(users.c.email_key == bindparam("key")))


class SqlAlchemyUserRepository:
    def __init__(self, connection: ConnectionSource, *, driver: DriverSource = no_driver) -> None:
        self._connection = connection
        self._driver = driver

    async def add(self, user: User) -> None:
        conn = await self._connection()
        # ON CONFLICT DO NOTHING: a taken address must not abort PostgreSQL's transaction.
        statement = insert_ignoring_duplicates(users, dialect=conn.dialect.name)
        result = await conn.execute(statement.values(**user_to_row(user)))
        if result.rowcount != 1:
            raise EmailTakenError()
        user.id = new_id(result)

    async def get(self, user_id: int) -> User | None:
        return await self._one(_BY_ID, {"id": user_id})

    async def get_by_email(self, email: EmailAddress) -> User | None:
        # Every ticket filed by address looks its requester up: the driver runs it.
        conn = await self._connection()
        row = await _BY_EMAIL_KEY.row(conn, await self._driver(), {"key": email_key(email)})
        return user_from_row(row) if row else None

    async def get_many(self, user_ids: Collection[int]) -> list[User]:
        if not user_ids:
            return []
        return await self._all(select(users).where(users.c.id.in_(set(user_ids))))

    async def list(self, where: UserFilter, *, after_id: int, limit: int) -> list[User]:
        statement = select(users).where(users.c.id > after_id)
        if where.role is not None:
            statement = statement.where(users.c.role == where.role.value)
        if where.organization_id is not None:
            statement = statement.where(users.c.organization_id == where.organization_id)
        if where.active is not None:
            statement = statement.where(users.c.active.is_(where.active))
        if where.email is not None:
            statement = statement.where(users.c.email_key == email_key(where.email))
        if where.group_id is not None:
            members = select(group_members.c.user_id).where(
                group_members.c.group_id == where.group_id
            )
            statement = statement.where(users.c.id.in_(members))
        return await self._all(statement.limit(limit))

    async def save(self, user: User) -> None:
        conn = await self._connection()
        row = user_to_row(user)
        taken = await conn.scalar(
            select(users.c.id).where(users.c.email_key == row["email_key"], users.c.id != user.id)
        )
        if taken is not None:
            raise EmailTakenError()
        await conn.execute(update(users).where(users.c.id == user.id).values(**row))

    async def _one(self, statement: Select[Any], values: dict[str, Any]) -> User | None:
        conn = await self._connection()
        row = (await conn.execute(statement, values)).mappings().first()
        return user_from_row(row) if row else None

    async def _all(self, statement: Select[Any]) -> builtins.list[User]:
        conn = await self._connection()
        rows = await conn.execute(statement.order_by(users.c.id))
        return [user_from_row(row) for row in rows.mappings().all()]


class SqlAlchemyOrganizationRepository:
    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    async def add(self, organization: Organization) -> None:
        conn = await self._connection()
        result = await conn.execute(
            insert(organizations).values(**organization_to_row(organization))
        )
        organization.id = new_id(result)
        await self._claim(conn, organization.id, organization.domains)

    async def get(self, organization_id: int) -> Organization | None:
        found = await self.get_many([organization_id])
        return found[0] if found else None

    async def get_by_domain(self, domain: str) -> Organization | None:
        conn = await self._connection()
        owner = await conn.scalar(
            select(organization_domains.c.organization_id).where(
                organization_domains.c.domain == domain
            )
        )
        return await self.get(owner) if owner is not None else None

    async def get_many(self, organization_ids: Collection[int]) -> list[Organization]:
        if not organization_ids:
            return []
        return await self._all(organizations.c.id.in_(set(organization_ids)))

    async def list(self, *, after_id: int, limit: int) -> list[Organization]:
        conn = await self._connection()
        ids = await conn.scalars(
            select(organizations.c.id)
            .where(organizations.c.id > after_id)
            .order_by(organizations.c.id)
            .limit(limit)
        )
        return await self.get_many(list(ids))

    async def save(self, organization: Organization) -> None:
        conn = await self._connection()
        await conn.execute(
            update(organizations)
            .where(organizations.c.id == organization.id)
            .values(**organization_to_row(organization))
        )
        held = set(
            await conn.scalars(
                select(organization_domains.c.domain).where(
                    organization_domains.c.organization_id == organization.id
                )
            )
        )
        if dropped := held - organization.domains:
            await conn.execute(
                delete(organization_domains).where(organization_domains.c.domain.in_(dropped))
            )
        await self._claim(conn, organization.id, organization.domains - held)

    async def _all(self, condition: Any) -> builtins.list[Organization]:
        """Organizations with their domains, in one query (an outer join)."""
        conn = await self._connection()
        rows = await conn.execute(
            select(organizations, organization_domains.c.domain)
            .outerjoin(
                organization_domains,
                organization_domains.c.organization_id == organizations.c.id,
            )
            .where(condition)
            .order_by(organizations.c.id)
        )
        found: dict[int, Any] = {}
        domains: defaultdict[int, list[str]] = defaultdict(list)
        for row in rows.mappings().all():
            found.setdefault(row["id"], row)
            if row["domain"] is not None:
                domains[row["id"]].append(row["domain"])
        return [organization_from_row(row, domains[i]) for i, row in found.items()]

    @staticmethod
    async def _claim(conn: AsyncConnection, organization_id: int, domains: Collection[str]) -> None:
        statement = insert_ignoring_duplicates(organization_domains, dialect=conn.dialect.name)
        for domain in sorted(domains):
            result = await conn.execute(
                statement.values(domain=domain, organization_id=organization_id)
            )
            if result.rowcount != 1:
                raise DomainTakenError(domain)


class SqlAlchemyGroupRepository:
    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    async def add(self, group: Group) -> None:
        conn = await self._connection()
        result = await conn.execute(insert(groups).values(**group_to_row(group)))
        group.id = new_id(result)

    async def get(self, group_id: int) -> Group | None:
        found = await self._all(select(groups).where(groups.c.id == group_id))
        return found[0] if found else None

    async def get_many(self, group_ids: Collection[int]) -> list[Group]:
        if not group_ids:
            return []
        return await self._all(select(groups).where(groups.c.id.in_(set(group_ids))))

    async def list(self, *, after_id: int, limit: int) -> list[Group]:
        return await self._all(select(groups).where(groups.c.id > after_id).limit(limit))

    async def save(self, group: Group) -> None:
        conn = await self._connection()
        await conn.execute(
            update(groups).where(groups.c.id == group.id).values(**group_to_row(group))
        )

    async def add_member(self, group_id: int, user_id: int) -> bool:
        conn = await self._connection()
        statement = insert_ignoring_duplicates(group_members, dialect=conn.dialect.name)
        result = await conn.execute(statement.values(group_id=group_id, user_id=user_id))
        return bool(result.rowcount == 1)

    async def remove_member(self, group_id: int, user_id: int) -> bool:
        conn = await self._connection()
        result = await conn.execute(
            delete(group_members).where(
                group_members.c.group_id == group_id, group_members.c.user_id == user_id
            )
        )
        return bool(result.rowcount == 1)

    async def is_member(self, group_id: int, user_id: int) -> bool:
        conn = await self._connection()
        found = await conn.scalar(
            select(group_members.c.user_id).where(
                group_members.c.group_id == group_id, group_members.c.user_id == user_id
            )
        )
        return found is not None

    async def groups_of(self, user_id: int) -> builtins.list[int]:
        conn = await self._connection()
        found = await conn.scalars(
            select(group_members.c.group_id)
            .where(group_members.c.user_id == user_id)
            .order_by(group_members.c.group_id)
        )
        return list(found)

    async def _all(self, statement: Select[Any]) -> builtins.list[Group]:
        conn = await self._connection()
        rows = await conn.execute(statement.order_by(groups.c.id))
        return [group_from_row(row) for row in rows.mappings().all()]
