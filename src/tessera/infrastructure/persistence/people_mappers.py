"""Explicit mappers between the people tables and users, organizations and groups."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import RowMapping

from tessera.domain.access.mailboxes import EmailAddress
from tessera.domain.people.groups import Group
from tessera.domain.people.organizations import Organization
from tessera.domain.people.users import User, UserRole


def email_key(address: str) -> str:
    """``users.email_key``: one user per address whatever its letter case (a digest, so its
    length is bounded whatever lower-casing expands to)."""
    return hashlib.sha256(address.lower().encode()).hexdigest()


def user_from_row(row: Mapping[Any, Any]) -> User:
    return User(
        id=row["id"],
        name=row["name"],
        email=EmailAddress(row["email"]),
        role=UserRole(row["role"]),
        organization_id=row["organization_id"],
        active=row["active"],
        time_zone=row["time_zone"],
        password_hash=row["password_hash"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def user_to_row(user: User) -> dict[str, Any]:
    return {
        "name": user.name,
        "email": user.email,
        "email_key": email_key(user.email),
        "role": user.role.value,
        "organization_id": user.organization_id,
        "active": user.active,
        "time_zone": user.time_zone,
        "password_hash": user.password_hash,
        "created_at": user.created_at,
        "updated_at": user.updated_at,
    }


def organization_from_row(row: RowMapping, domains: Iterable[str]) -> Organization:
    return Organization(
        id=row["id"],
        name=row["name"],
        domains=frozenset(domains),
        shared_tickets=row["shared_tickets"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def organization_to_row(organization: Organization) -> dict[str, Any]:
    return {
        "name": organization.name,
        "shared_tickets": organization.shared_tickets,
        "created_at": organization.created_at,
        "updated_at": organization.updated_at,
    }


def group_from_row(row: RowMapping) -> Group:
    return Group(
        id=row["id"],
        name=row["name"],
        description=row["description"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def group_to_row(group: Group) -> dict[str, Any]:
    return {
        "name": group.name,
        "description": group.description,
        "created_at": group.created_at,
        "updated_at": group.updated_at,
    }
