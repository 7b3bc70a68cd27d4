"""People views: users (never their password hash), organizations, groups and their pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from tessera.domain.people.groups import Group
from tessera.domain.people.organizations import Organization
from tessera.domain.people.users import User


class _Identified(Protocol):
    @property
    def id(self) -> int: ...


V = TypeVar("V", bound=_Identified)


@dataclass(frozen=True, slots=True, kw_only=True)
class UserView:
    id: int
    name: str
    email: str
    role: str
    organization_id: int | None
    active: bool
    time_zone: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, user: User) -> UserView:
        return cls(
            id=user.id,
            name=user.name,
            email=user.email,
            role=user.role.value,
            organization_id=user.organization_id,
            active=user.active,
            time_zone=user.time_zone,
            created_at=user.created_at,
            updated_at=user.updated_at,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class OrganizationView:
    id: int
    name: str
    domains: tuple[str, ...]
    shared_tickets: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, organization: Organization) -> OrganizationView:
        return cls(
            id=organization.id,
            name=organization.name,
            domains=tuple(sorted(organization.domains)),
            shared_tickets=organization.shared_tickets,
            created_at=organization.created_at,
            updated_at=organization.updated_at,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupView:
    id: int
    name: str
    description: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, group: Group) -> GroupView:
        return cls(
            id=group.id,
            name=group.name,
            description=group.description,
            created_at=group.created_at,
            updated_at=group.updated_at,
        )


@dataclass(frozen=True, slots=True)
class Page(Generic[V]):
    """One page in id order; ``next_cursor`` is the last id when more follow."""

    items: list[V]
    next_cursor: str | None


def id_page(items: list[V], *, limit: int) -> Page[V]:
    """``items`` were read with ``limit + 1``: the extra one says more follow."""
    kept = items[:limit]
    more = len(items) > limit
    return Page(items=kept, next_cursor=str(kept[-1].id) if more else None)
