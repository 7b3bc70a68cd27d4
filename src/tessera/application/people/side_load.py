"""Use case: the people and groups a page of tickets names, side-loaded with one query per
kind (``include=users,groups,organizations``), never one per ticket."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from tessera.application.people.views import GroupView, OrganizationView, UserView
from tessera.application.ports.unit_of_work import UnitOfWorkFactory
from tessera.application.views import TicketView
from tessera.domain.access.principal import Principal
from tessera.domain.errors import DomainValidationError


class Included(StrEnum):
    USERS = "users"
    GROUPS = "groups"
    ORGANIZATIONS = "organizations"


def parse_include(raw: str) -> frozenset[Included]:
    """``users,groups``: a comma-separated list of kinds."""
    try:
        return frozenset(Included(kind.strip()) for kind in raw.split(",") if kind.strip())
    except ValueError:
        allowed = ", ".join(k.value for k in Included)
        raise DomainValidationError.single("include", f"a list of {allowed}") from None


@dataclass(frozen=True, slots=True, kw_only=True)
class SideLoaded:
    users: list[UserView] = field(default_factory=list)
    groups: list[GroupView] = field(default_factory=list)
    organizations: list[OrganizationView] = field(default_factory=list)

    def named(self, kinds: frozenset[Included]) -> dict[str, list[object]]:
        """Only the kinds asked for, in the shape of the response's ``included``."""
        every: dict[str, list[object]] = {
            Included.USERS: list(self.users),
            Included.GROUPS: list(self.groups),
            Included.ORGANIZATIONS: list(self.organizations),
        }
        return {kind.value: every[kind] for kind in Included if kind in kinds}


class SideLoadHandler:
    """Requesters, assignees, groups and the requesters' organizations of ``tickets`` (which
    the caller may already see). Groups are staff business: a customer gets none."""

    def __init__(self, *, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(
        self, tickets: Sequence[TicketView], kinds: frozenset[Included], *, principal: Principal
    ) -> SideLoaded:
        user_ids = {i for t in tickets for i in (t.requester_id, t.assignee_id) if i is not None}
        user_ids.update(i for t in tickets for i in t.follower_ids)
        group_ids = {t.group_id for t in tickets if t.group_id is not None}
        if not principal.is_staff:
            group_ids = set()
        async with self._uow() as uow:
            wanted_users = kinds & {Included.USERS, Included.ORGANIZATIONS}
            users = await uow.users.get_many(user_ids) if wanted_users else []
            organization_ids = {u.organization_id for u in users if u.organization_id}
            organizations = (
                await uow.organizations.get_many(organization_ids)
                if Included.ORGANIZATIONS in kinds
                else []
            )
            groups = await uow.groups.get_many(group_ids) if Included.GROUPS in kinds else []
        return SideLoaded(
            users=[UserView.of(u) for u in users] if Included.USERS in kinds else [],
            groups=[GroupView.of(g) for g in groups],
            organizations=[OrganizationView.of(o) for o in organizations],
        )
