"""People mappers: users, organizations and groups read back field for field on SQLite and
PostgreSQL, and every column but the identity is written."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.domain.access.mailboxes import EmailAddress
from tessera.domain.people.groups import Group
from tessera.domain.people.organizations import Organization
from tessera.domain.people.users import User, UserRole
from tessera.infrastructure.persistence import tables
from tessera.infrastructure.persistence.people_mappers import (
    email_key,
    group_from_row,
    group_to_row,
    organization_from_row,
    organization_to_row,
    user_from_row,
    user_to_row,
)


def _at(hour: int) -> datetime:
    return datetime(2026, 3, 2, hour, 30, tzinfo=UTC)


def _fields(entity: object) -> dict[str, Any]:
    return {f.name: getattr(entity, f.name) for f in dataclasses.fields(entity)}  # type: ignore[arg-type]


async def _round_trip(engine: AsyncEngine, table: Any, row: dict[str, Any]) -> Any:
    async with engine.begin() as conn:
        result = await conn.execute(table.insert().values(**row))
        assert result.inserted_primary_key is not None
        row_id = int(result.inserted_primary_key[0])
        return (await conn.execute(select(table).where(table.c.id == row_id))).mappings().one()


def organization() -> Organization:
    return Organization(
        id=0,
        name="Acme",
        domains=frozenset(),
        shared_tickets=True,
        created_at=_at(1),
        updated_at=_at(2),
    )


async def test_a_user_reads_back_field_for_field(engine: AsyncEngine) -> None:
    acme = await _round_trip(engine, tables.organizations, organization_to_row(organization()))
    user = User(
        id=0,
        name="Grace Hopper",
        email=EmailAddress("Grace@support.example.com"),
        role=UserRole.AGENT,
        organization_id=acme["id"],
        active=False,
        time_zone="Europe/Vienna",
        created_at=_at(3),
        updated_at=_at(4),
        password_hash="$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
    )
    row = await _round_trip(engine, tables.users, user_to_row(user))

    assert _fields(user_from_row(row)) == {**_fields(user), "id": row["id"]}
    assert row["email_key"] == email_key("grace@SUPPORT.example.com")
    columns = {column.name for column in tables.users.columns}
    assert set(user_to_row(user)) == columns - {"id"}


async def test_an_organization_and_a_group_read_back_field_for_field(engine: AsyncEngine) -> None:
    acme = organization()
    row = await _round_trip(engine, tables.organizations, organization_to_row(acme))
    domains = frozenset({"acme.example"})
    assert _fields(organization_from_row(row, domains)) == {
        **_fields(acme),
        "id": row["id"],
        "domains": domains,
    }
    group = Group(id=0, name="Billing", description="Refunds", created_at=_at(5), updated_at=_at(6))
    row = await _round_trip(engine, tables.groups, group_to_row(group))
    assert _fields(group_from_row(row)) == {**_fields(group), "id": row["id"]}
    for table, written in (
        (tables.organizations, organization_to_row(acme)),
        (tables.groups, group_to_row(group)),
    ):
        assert set(written) == {column.name for column in table.columns} - {"id"}
