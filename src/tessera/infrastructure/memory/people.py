"""In-memory repositories of users, organizations and groups, with the SQL ones' contract:
reads see the committed store plus the unit's own writes; an address or a domain is held by
one owner, checked again at commit (the first committed claim wins)."""

from __future__ import annotations

import builtins
import copy
from collections.abc import Collection

from tessera.application.errors import DomainTakenError, EmailTakenError
from tessera.application.ports.people import UserFilter
from tessera.domain.access.mailboxes import EmailAddress
from tessera.domain.people.groups import Group
from tessera.domain.people.organizations import Organization
from tessera.domain.people.users import User
from tessera.infrastructure.memory.store import MemoryStore, PendingWrites


class InMemoryUserRepository:
    def __init__(self, store: MemoryStore, pending: PendingWrites) -> None:
        self._store = store
        self._pending = pending

    def _visible(self) -> dict[int, User]:
        return {**self._store.users, **self._pending.users}

    def _holder(self, email: str, users: dict[int, User]) -> User | None:
        key = email.lower()
        return next((u for u in users.values() if u.email.lower() == key), None)

    async def add(self, user: User) -> None:
        if self._holder(user.email, self._visible()) is not None:
            raise EmailTakenError()
        user.id = self._store.next_user_id
        self._store.next_user_id += 1
        self._pending.users[user.id] = copy.deepcopy(user)

    async def get(self, user_id: int) -> User | None:
        return copy.deepcopy(self._visible().get(user_id))

    async def get_by_email(self, email: EmailAddress) -> User | None:
        return copy.deepcopy(self._holder(email, self._visible()))

    async def get_many(self, user_ids: Collection[int]) -> list[User]:
        visible = self._visible()
        return [copy.deepcopy(visible[i]) for i in sorted(set(user_ids)) if i in visible]

    async def list(self, where: UserFilter, *, after_id: int, limit: int) -> list[User]:
        members = self._members(where.group_id) if where.group_id is not None else None
        found = [
            u
            for _, u in sorted(self._visible().items())
            if u.id > after_id
            and (where.role is None or u.role is where.role)
            and (where.organization_id is None or u.organization_id == where.organization_id)
            and (where.active is None or u.active is where.active)
            and (where.email is None or u.email.lower() == where.email.lower())
            and (members is None or u.id in members)
        ]
        return copy.deepcopy(found[:limit])

    async def save(self, user: User) -> None:
        holder = self._holder(user.email, self._visible())
        if holder is not None and holder.id != user.id:
            raise EmailTakenError()
        self._pending.users[user.id] = copy.deepcopy(user)

    def _members(self, group_id: int) -> set[int]:
        memberships = (self._store.memberships | self._pending.joined) - self._pending.left
        return {u for g, u in memberships if g == group_id}

    def check_unclaimed(self) -> None:
        """At commit: another unit may have committed a user with the same address."""
        for user in self._pending.users.values():
            holder = self._holder(user.email, self._store.users)
            if holder is not None and holder.id != user.id:
                raise EmailTakenError()


class InMemoryOrganizationRepository:
    def __init__(self, store: MemoryStore, pending: PendingWrites) -> None:
        self._store = store
        self._pending = pending

    def _visible(self) -> dict[int, Organization]:
        return {**self._store.organizations, **self._pending.organizations}

    def _ensure_free(self, organization: Organization, among: dict[int, Organization]) -> None:
        for other in among.values():
            if other.id != organization.id and (shared := other.domains & organization.domains):
                raise DomainTakenError(min(shared))

    async def add(self, organization: Organization) -> None:
        self._ensure_free(organization, self._visible())
        organization.id = self._store.next_organization_id
        self._store.next_organization_id += 1
        self._pending.organizations[organization.id] = copy.deepcopy(organization)

    async def get(self, organization_id: int) -> Organization | None:
        return copy.deepcopy(self._visible().get(organization_id))

    async def get_by_domain(self, domain: str) -> Organization | None:
        found = (o for o in self._visible().values() if domain in o.domains)
        return copy.deepcopy(next(found, None))

    async def get_many(self, organization_ids: Collection[int]) -> list[Organization]:
        visible = self._visible()
        return [copy.deepcopy(visible[i]) for i in sorted(set(organization_ids)) if i in visible]

    async def list(self, *, after_id: int, limit: int) -> list[Organization]:
        visible = self._visible()
        ids = sorted(i for i in visible if i > after_id)[:limit]
        return [copy.deepcopy(visible[i]) for i in ids]

    async def save(self, organization: Organization) -> None:
        self._ensure_free(organization, self._visible())
        self._pending.organizations[organization.id] = copy.deepcopy(organization)

    def check_unclaimed(self) -> None:
        for organization in self._pending.organizations.values():
            self._ensure_free(organization, self._store.organizations)


class InMemoryGroupRepository:
    def __init__(self, store: MemoryStore, pending: PendingWrites) -> None:
        self._store = store
        self._pending = pending

    def _visible(self) -> dict[int, Group]:
        return {**self._store.groups, **self._pending.groups}

    def _memberships(self) -> set[tuple[int, int]]:
        return (self._store.memberships | self._pending.joined) - self._pending.left

    async def add(self, group: Group) -> None:
        group.id = self._store.next_group_id
        self._store.next_group_id += 1
        self._pending.groups[group.id] = copy.deepcopy(group)

    async def get(self, group_id: int) -> Group | None:
        return copy.deepcopy(self._visible().get(group_id))

    async def get_many(self, group_ids: Collection[int]) -> list[Group]:
        visible = self._visible()
        return [copy.deepcopy(visible[i]) for i in sorted(set(group_ids)) if i in visible]

    async def list(self, *, after_id: int, limit: int) -> list[Group]:
        visible = self._visible()
        ids = sorted(i for i in visible if i > after_id)[:limit]
        return [copy.deepcopy(visible[i]) for i in ids]

    async def save(self, group: Group) -> None:
        self._pending.groups[group.id] = copy.deepcopy(group)

    async def add_member(self, group_id: int, user_id: int) -> bool:
        membership = (group_id, user_id)
        if membership in self._memberships():
            return False
        self._pending.left.discard(membership)
        self._pending.joined.add(membership)
        return True

    async def remove_member(self, group_id: int, user_id: int) -> bool:
        membership = (group_id, user_id)
        if membership not in self._memberships():
            return False
        self._pending.joined.discard(membership)
        self._pending.left.add(membership)
        return True

    async def is_member(self, group_id: int, user_id: int) -> bool:
        return (group_id, user_id) in self._memberships()

    async def groups_of(self, user_id: int) -> builtins.list[int]:
        return sorted(g for g, u in self._memberships() if u == user_id)
