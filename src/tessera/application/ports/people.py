"""People ports: where users, organizations and groups (with their members) are kept."""

from __future__ import annotations

import builtins
from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol

from tessera.domain.access.mailboxes import EmailAddress
from tessera.domain.people.groups import Group
from tessera.domain.people.organizations import Organization
from tessera.domain.people.users import User, UserRole


@dataclass(frozen=True, slots=True, kw_only=True)
class UserFilter:
    """Every field left None matches everyone."""

    role: UserRole | None = None
    organization_id: int | None = None
    active: bool | None = None
    email: EmailAddress | None = None
    group_id: int | None = None  # members of this group


class UserRepository(Protocol):
    """Users by id and by address: ``email`` is unique whatever its letter case, so a second
    user with the same address (in any case) is a ConflictError, at ``add`` or at commit."""

    async def add(self, user: User) -> None:
        """Store a new user and give it its identity. Raises ConflictError (address taken)."""
        ...

    async def get(self, user_id: int) -> User | None: ...

    async def get_by_email(self, email: EmailAddress) -> User | None:
        """The user whose address equals ``email`` ignoring letter case."""
        ...

    async def get_many(self, user_ids: Collection[int]) -> list[User]:
        """The users that exist among ``user_ids``, in id order (one query)."""
        ...

    async def list(self, where: UserFilter, *, after_id: int, limit: int) -> list[User]:
        """Matching users in id order, starting after ``after_id``."""
        ...

    async def save(self, user: User) -> None:
        """Raises ConflictError (the new address is taken)."""
        ...


class OrganizationRepository(Protocol):
    """A domain belongs to one organization at most: claiming a taken one is a ConflictError."""

    async def add(self, organization: Organization) -> None: ...

    async def get(self, organization_id: int) -> Organization | None: ...

    async def get_by_domain(self, domain: str) -> Organization | None: ...

    async def get_many(self, organization_ids: Collection[int]) -> list[Organization]: ...

    async def list(self, *, after_id: int, limit: int) -> list[Organization]: ...

    async def save(self, organization: Organization) -> None: ...


class GroupRepository(Protocol):
    """Groups and their members (user ids); adding a member twice, or removing one who is
    not a member, changes nothing and says so."""

    async def add(self, group: Group) -> None: ...

    async def get(self, group_id: int) -> Group | None: ...

    async def get_many(self, group_ids: Collection[int]) -> list[Group]: ...

    async def list(self, *, after_id: int, limit: int) -> list[Group]: ...

    async def save(self, group: Group) -> None: ...

    async def add_member(self, group_id: int, user_id: int) -> bool:
        """Whether the user was not a member before."""
        ...

    async def remove_member(self, group_id: int, user_id: int) -> bool:
        """Whether the user was a member."""
        ...

    async def is_member(self, group_id: int, user_id: int) -> bool: ...

    async def groups_of(self, user_id: int) -> builtins.list[int]:
        """The ids of the groups the user belongs to, ascending."""
        ...
