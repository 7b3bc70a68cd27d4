"""Use case: the names of the people a page mentions (authors, actors, assignees), at once."""

from __future__ import annotations

from collections.abc import Collection

from tessera.application.people.users import ensure_staff
from tessera.application.ports.unit_of_work import UnitOfWorkFactory
from tessera.domain.access.principal import Principal

# How events name who acted (``Principal.actor``): ``user:<id>``; the SLA job is ``system``.
USER_ACTOR_PREFIX = "user:"


def actor_user_id(actor: str) -> int | None:
    """The user an event's actor names, or None for an actor that is not a user."""
    raw = actor.removeprefix(USER_ACTOR_PREFIX)
    return int(raw) if raw != actor and raw.isdigit() else None


class UserNamesHandler:
    """Staff read every user's name (the people directory is theirs). Raises ForbiddenError
    (a customer). Ids that name no user are left out of the answer."""

    def __init__(self, *, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, user_ids: Collection[int], *, principal: Principal) -> dict[int, str]:
        ensure_staff(principal)
        if not user_ids:
            return {}
        async with self._uow() as uow:
            users = await uow.users.get_many(set(user_ids))
        return {user.id: user.name for user in users}
