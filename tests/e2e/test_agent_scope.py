"""TESSERA_AGENT_SCOPE=groups, on SQLite and PostgreSQL: an agent sees and works on only
their groups' tickets and those assigned to them; an admin sees all; joining a group widens
the scope at once (the cached principal is cleared)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tessera.bootstrap.container import build_container
from tessera.bootstrap.settings import AgentScope
from tessera.presentation.http.app import create_app
from tests.e2e.conftest import Api, settings_for
from tests.e2e.test_people_api import assert_envelope, create_user, user_token
from tests.e2e.test_people_tickets import create_group


@pytest.fixture
async def scoped_api(database_url: str) -> AsyncIterator[Api]:
    settings = settings_for(database_url).model_copy(update={"agent_scope": AgentScope.GROUPS})
    container = build_container(settings)
    await container.start()
    app = create_app(container.services)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://tessera.test") as client:
        yield Api(client=client, container=container)
    await container.close()


async def test_an_agent_sees_only_their_groups_and_their_own_tickets(scoped_api: Api) -> None:
    api = scoped_api
    grace = await create_user(api)
    agent = api.auth(await user_token(api, grace["id"]))
    billing = await create_group(api, "Billing", grace["id"])
    tier2 = await create_group(api, "Tier 2")
    mine = await api.create_ticket(group_id=billing)
    theirs = await api.create_ticket(group_id=tier2)
    loose = await api.create_ticket()
    assigned = await api.client.patch(
        f"/v1/tickets/{loose['id']}", json={"assignee_id": grace["id"]}, headers=api.admin
    )
    assert assigned.status_code == 200

    async def listed(headers: dict[str, str]) -> set[int]:
        response = await api.client.get("/v1/tickets", headers=headers)
        return {t["id"] for t in response.json()["data"]}

    assert await listed(agent) == {mine["id"], loose["id"]}
    assert await listed(api.admin) == {mine["id"], theirs["id"], loose["id"]}
    hidden = f"/v1/tickets/{theirs['id']}"
    assert_envelope(await api.client.get(hidden, headers=agent), 404, "ticket_not_found")
    change = await api.client.patch(hidden, json={"priority": "high"}, headers=agent)
    assert_envelope(change, 404, "ticket_not_found")
    comment = await api.client.post(f"{hidden}/comments", json={"body": "Hi"}, headers=agent)
    assert_envelope(comment, 404, "ticket_not_found")
    history = await api.client.get(f"{hidden}/history", headers=agent)
    assert_envelope(history, 404, "ticket_not_found")
    own_history = await api.client.get(f"/v1/tickets/{mine['id']}/history", headers=agent)
    assert own_history.status_code == 200
    feed = await api.client.get("/v1/events", params={"after": 0}, headers=agent)
    assert_envelope(feed, 403, "forbidden")
    assert (await api.client.get("/v1/events", params={"after": 0}, headers=api.admin)).is_success

    joined = await api.client.post(
        f"/v1/groups/{tier2}/members", json={"user_id": grace["id"]}, headers=api.admin
    )
    assert joined.status_code == 204
    assert (await api.client.get(hidden, headers=agent)).status_code == 200
