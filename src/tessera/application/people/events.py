"""People events (SPEC §13): what each records of a user, an organization or a group, and
the acting user (``system`` for the operator at the command line and for customers created
on the way, e.g. by a ticket from a new address)."""

from __future__ import annotations

from typing import Any

from tessera.domain.access.principal import Principal
from tessera.domain.events import changes_between
from tessera.domain.people.groups import Group
from tessera.domain.people.organizations import Organization
from tessera.domain.people.users import User

SYSTEM_ACTOR = "system"


def actor_of(principal: Principal | None) -> str:
    return principal.actor if principal is not None else SYSTEM_ACTOR


def user_fields(user: User) -> dict[str, Any]:
    """The user as the API shows them: never a password or its hash."""
    return {
        "id": user.id,
        "name": user.name,
        "email": user.email,
        "role": user.role.value,
        "organization_id": user.organization_id,
        "active": user.active,
        "time_zone": user.time_zone,
    }


def organization_fields(organization: Organization) -> dict[str, Any]:
    return {
        "id": organization.id,
        "name": organization.name,
        "domains": sorted(organization.domains),
        "shared_tickets": organization.shared_tickets,
    }


def group_fields(group: Group) -> dict[str, Any]:
    return {"id": group.id, "name": group.name, "description": group.description}


def field_changes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return changes_between(old, new)
