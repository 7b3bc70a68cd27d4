"""The names a page mentions, read at once, for staff only."""

from __future__ import annotations

import pytest

from tessera.application.errors import ForbiddenError
from tessera.application.people.names import actor_user_id
from tests.unit.application.conftest import App


async def test_staff_read_the_names_of_the_users_that_exist(app: App) -> None:
    agent = await app.principal("agent")
    customer = await app.principal("requester", email="bob@example.com")
    names = await app.services.user_names([agent.user_id, customer.user_id, 999], principal=agent)
    assert names == {agent.user_id: agent.name, customer.user_id: customer.name}
    assert await app.services.user_names([], principal=agent) == {}


async def test_a_customer_may_not_read_the_directory(app: App) -> None:
    customer = await app.principal("requester", email="bob@example.com")
    with pytest.raises(ForbiddenError):
        await app.services.user_names([customer.user_id], principal=customer)


@pytest.mark.parametrize(
    ("actor", "user_id"),
    [("user:7", 7), ("system", None), ("user:", None), ("user:x1", None), ("trigger:3", None)],
)
def test_an_events_actor_names_a_user_only_in_the_user_form(
    actor: str, user_id: int | None
) -> None:
    assert actor_user_id(actor) == user_id
