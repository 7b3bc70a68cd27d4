"""With agents scoped to their groups (``TESSERA_AGENT_SCOPE=groups``), a ticket out of an
agent's scope is a not-found page on every path of the ticket page, never a 500 and never a
hint that it exists; once the agent joins the group, the page opens."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import ADMIN_SECRET
from tests.e2e.web.conftest import Person, WebServer, login
from tests.servers import TesseraProcess


@pytest.fixture(scope="module")
def web_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebServer]:
    workdir = tmp_path_factory.mktemp("web-scoped")
    process = TesseraProcess(
        {
            "TESSERA_ENV": "development",
            "TESSERA_DATABASE_URL": f"sqlite:///{workdir / 'tessera.db'}",
            "TESSERA_BOOTSTRAP_ADMIN_TOKEN": ADMIN_SECRET,
            "TESSERA_LOG_LEVEL": "WARNING",
            "TESSERA_STORAGE_DIRECTORY": str(workdir / "attachments"),
            "TESSERA_WEB_LOGIN_ATTEMPTS_PER_CLIENT": "10000",
            "TESSERA_RATE_LIMIT_ANONYMOUS_PER_MINUTE": "10000",
            "TESSERA_AGENT_SCOPE": "groups",
        },
        workdir,
    )
    process.start()
    try:
        yield WebServer(process)
    finally:
        process.stop()


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_a_ticket_out_of_the_agents_groups_is_not_found_until_they_join(
    web_server: WebServer, agent: Person, page: Page
) -> None:
    group = web_server.api("POST", "/v1/groups", json={"name": "Hardware"})
    assert group.status_code == 201, group.text
    ticket = web_server.create_ticket(title="Only for hardware", group_id=group.json()["id"])
    login(page, web_server.base_url, agent.email, agent.password)
    expect(page.get_by_role("navigation", name="Console")).to_be_visible()

    base = f"/console/tickets/{ticket['id']}"
    for path in (base, f"{base}/conversation", f"{base}/sidebar", f"{base}/history"):
        response = page.goto(web_server.url(path))
        assert response is not None and response.status == 404, path
        expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
        expect(page.locator("body")).not_to_contain_text("Only for hardware")
    stream = page.request.get(web_server.url(f"{base}/stream"))
    assert stream.status == 404

    joined = web_server.api(
        "POST", f"/v1/groups/{group.json()['id']}/members", json={"user_id": agent.id}
    )
    assert joined.status_code == 204, joined.text
    response = page.goto(web_server.url(base))
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("Only for hardware")
