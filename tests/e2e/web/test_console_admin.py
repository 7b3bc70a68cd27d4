"""The console's admin pages in a real browser: people, groups, tokens and webhooks made by
an admin through the same use cases as the API; agents refused; errors beside the field;
user text inert; every form refused without its CSRF token."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.web.conftest import AGENT_PASSWORD, Browserless, Person, WebServer, login

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]


@pytest.fixture
def admin(web_server: WebServer) -> Person:
    return web_server.create_user(role="admin")


def _as_admin(page: Page, web_server: WebServer, admin: Person, path: str) -> None:
    login(page, web_server.base_url, admin.email, admin.password)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.goto(web_server.url(path))


def test_an_admin_creates_an_agent_who_can_then_log_in(
    web_server: WebServer, admin: Person, page: Page, browser: Browser
) -> None:
    login(page, web_server.base_url, admin.email, admin.password)
    page.get_by_role("link", name="Admin").click()
    expect(page.get_by_role("heading", name="Users", level=1)).to_be_visible()
    form = page.get_by_role("form", name="New user")
    form.get_by_label("Name").fill("Nadia New")
    form.get_by_label("Email").fill("nadia.new@support.example.com")
    form.get_by_label("Role").select_option("agent")
    form.get_by_label("Password").fill(AGENT_PASSWORD)
    form.get_by_role("button", name="Create user").click()

    expect(page.get_by_role("heading", name="Nadia New", level=1)).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("User created.")
    found = web_server.api("GET", "/v1/users", params={"email": "nadia.new@support.example.com"})
    assert [u["role"] for u in found.json()["data"]] == ["agent"]

    other = browser.new_context()
    try:
        agent_page = other.new_page()
        login(agent_page, web_server.base_url, "nadia.new@support.example.com", AGENT_PASSWORD)
        expect(agent_page).to_have_url(re.compile(r"/console/views/"))
        expect(agent_page.get_by_role("link", name="Admin")).to_have_count(0)
    finally:
        other.close()


def test_an_admin_creates_a_group_and_adds_an_agent(
    web_server: WebServer, admin: Person, agent: Person, page: Page
) -> None:
    _as_admin(page, web_server, admin, "/console/admin/groups")
    form = page.get_by_role("form", name="New group")
    form.get_by_label("Name").fill("Billing")
    form.get_by_role("button", name="Create group").click()
    expect(page.get_by_role("heading", name="Billing", level=1)).to_be_visible()

    page.get_by_label("Add member").select_option(label=f"{agent.name} ({agent.email})")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Group members changed.")
    expect(page.get_by_role("button", name=f"Remove {agent.name}")).to_be_visible()
    group_id = int(page.url.split("/groups/")[1].split("?")[0])
    members = web_server.api("GET", f"/v1/groups/{group_id}/members").json()["data"]
    assert [m["id"] for m in members] == [agent.id]


def test_a_new_token_secret_is_shown_once_and_works(
    web_server: WebServer, admin: Person, agent: Person, page: Page
) -> None:
    _as_admin(page, web_server, admin, "/console/admin/tokens")
    form = page.get_by_role("form", name="New token")
    form.get_by_label("Name").fill("Reporting script")
    form.get_by_label("Acts as").select_option(label=f"{agent.name} (agent)")
    form.get_by_role("button", name="Create token").click()

    secret = page.get_by_label("Token secret").input_value()
    assert len(secret) >= 32
    me = web_server.api("GET", "/v1/users/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200 and me.json()["id"] == agent.id
    page.goto(web_server.url("/console/admin/tokens"))
    expect(page.get_by_label("Token secret")).to_have_count(0)
    assert secret not in page.content()

    page.get_by_role("button", name="Revoke Reporting script").first.click()
    gone = web_server.api("GET", "/v1/users/me", headers={"Authorization": f"Bearer {secret}"})
    assert gone.status_code == 401


def test_an_admin_creates_a_webhook_and_sees_its_secret_once(
    web_server: WebServer, admin: Person, page: Page
) -> None:
    _as_admin(page, web_server, admin, "/console/admin/webhooks")
    form = page.get_by_role("form", name="New webhook")
    form.get_by_label("URL").fill("http://127.0.0.1:9/private")
    form.get_by_label("ticket.created").check()
    form.get_by_role("button", name="Create webhook").click()
    form = page.get_by_role("form", name="New webhook")
    expect(form.get_by_label("URL")).to_have_attribute("aria-invalid", "true")
    expect(form.get_by_label("ticket.created")).to_be_checked()
    form.get_by_label("URL").fill("https://hooks.example.com/tessera")
    form.get_by_role("button", name="Create webhook").click()

    assert page.get_by_label("Webhook secret").input_value().startswith("whsec_")
    hooks = web_server.api("GET", "/v1/webhooks").json()["data"]
    made = [h for h in hooks if h["url"] == "https://hooks.example.com/tessera"]
    assert len(made) == 1 and made[0]["event_types"] == ["ticket.created"]
    page.get_by_label("Active").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Webhook saved.")
    assert web_server.api("GET", f"/v1/webhooks/{made[0]['id']}").json()["active"] is False


def test_an_agent_is_refused_the_admin_pages(
    web_server: WebServer, agent: Person, page: Page
) -> None:
    login(page, web_server.base_url, agent.email, agent.password)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    for path in ("/console/admin/users", "/console/admin/tokens", "/console/admin/webhooks"):
        answer = page.goto(web_server.url(path))
        assert answer is not None and answer.status == 403
        expect(page.get_by_role("heading", name="Forbidden", level=1)).to_be_visible()


def test_a_taken_email_is_said_beside_the_field(
    web_server: WebServer, admin: Person, agent: Person, page: Page
) -> None:
    _as_admin(page, web_server, admin, "/console/admin/users")
    form = page.get_by_role("form", name="New user")
    form.get_by_label("Name").fill("Copy Cat")
    form.get_by_label("Email").fill(agent.email)
    form.get_by_role("button", name="Create user").click()

    email = page.get_by_role("form", name="New user").get_by_label("Email")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#e-email")).to_have_text("is taken")
    expect(email).to_have_value(agent.email)


def test_an_xss_payload_in_a_user_name_renders_inert(
    web_server: WebServer, admin: Person, page: Page
) -> None:
    payload = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>'
    web_server.create_user(role="agent", name=payload)
    dialogs: list[str] = []
    page.on("dialog", lambda d: dialogs.append(d.message))
    _as_admin(page, web_server, admin, "/console/admin/users")
    expect(page.get_by_role("link", name=payload).first).to_be_visible()
    assert page.evaluate("window.__pwned === undefined")
    assert page.locator("main img").count() == 0
    assert dialogs == []


def test_admin_forms_are_refused_without_their_csrf_token(
    http: Browserless, admin: Person, web_server: WebServer
) -> None:
    assert http.log_in(admin.email, admin.password).status_code == 303
    forms = [
        (
            "/console/admin/users",
            {"name": "Forged", "email": "forged@example.com", "role": "admin"},
        ),
        ("/console/admin/groups", {"name": "Forged group"}),
        ("/console/admin/tokens", {"name": "Forged", "user_id": str(admin.id)}),
        ("/console/admin/webhooks", {"url": "https://forged.example.com/"}),
    ]
    for path, data in forms:
        for refused in (
            http.client.post(path, data=data),
            http.client.post(path, data={**data, "csrf_token": "forged"}),
        ):
            assert refused.status_code == 403, path
            assert "<h1>Forbidden</h1>" in refused.text
    users = web_server.api("GET", "/v1/users", params={"email": "forged@example.com"})
    assert users.json()["data"] == []

    token = http.csrf_of("/console/admin/groups")
    made = http.client.post("/console/admin/groups", data={"name": "Real", "csrf_token": token})
    assert made.status_code == 303


def test_an_admin_creates_an_organization_with_domains_and_sharing(
    web_server: WebServer, admin: Person, page: Page
) -> None:
    _as_admin(page, web_server, admin, "/console/admin/organizations")
    form = page.get_by_role("form", name="New organization")
    form.get_by_label("Name").fill("Acme")
    form.get_by_label("Domains").fill("acme.example\nacme-corp.example")
    form.get_by_label("Members see each other's tickets").check()
    form.get_by_role("button", name="Create organization").click()
    expect(page.get_by_role("heading", name="Acme", level=1)).to_be_visible()
    found = web_server.api("GET", "/v1/organizations").json()["data"]
    acme = [o for o in found if o["name"] == "Acme"]
    assert acme and acme[0]["shared_tickets"] is True
    assert sorted(acme[0]["domains"]) == ["acme-corp.example", "acme.example"]


def test_a_mailbox_password_is_write_only_and_bad_fields_are_named(
    http: Browserless, admin: Person, web_server: WebServer
) -> None:
    assert http.log_in(admin.email, admin.password).status_code == 303
    token = http.csrf_of("/console/admin/mailboxes")
    mailbox = {
        "csrf_token": token,
        "address": "help@support.example.com",
        "kind": "imap",
        "host": "127.0.0.1",
        "port": "99999",
        "tls": "tls",
        "user": "help",
        "password": "Never-Shown-Pa55",
        "folder": "INBOX",
    }
    bad = http.client.post("/console/admin/mailboxes", data=mailbox)
    assert bad.status_code == 422
    assert 'id="e-port"' in bad.text and "Never-Shown-Pa55" not in bad.text

    made = http.client.post("/console/admin/mailboxes", data={**mailbox, "port": "1"})
    assert made.status_code == 303, made.text
    page = http.client.get(made.headers["location"])
    assert page.status_code == 200 and "help@support.example.com" in page.text
    assert "Never-Shown-Pa55" not in page.text
    taken = http.client.post("/console/admin/mailboxes", data={**mailbox, "port": "1"})
    assert taken.status_code == 409 and 'id="e-address"' in taken.text
    refused = http.client.post("/console/admin/mailboxes", data={**mailbox, "csrf_token": "x"})
    assert refused.status_code == 403


def test_deactivating_a_user_ends_their_sessions_and_stops_their_tokens(
    web_server: WebServer, admin: Person, agent: Person, page: Page, browser: Browser
) -> None:
    issued = web_server.api("POST", "/v1/tokens", json={"name": "theirs", "user_id": agent.id})
    assert issued.status_code == 201, issued.text
    secret = issued.json()["token"]
    theirs = browser.new_context()
    try:
        agent_page = theirs.new_page()
        login(agent_page, web_server.base_url, agent.email, agent.password)
        expect(agent_page).to_have_url(re.compile(r"/console/views/"))

        _as_admin(page, web_server, admin, f"/console/admin/users/{agent.id}")
        page.get_by_role("button", name="Deactivate").click()
        expect(page.get_by_role("status")).to_have_text("User deactivated.")

        agent_page.reload()
        expect(agent_page).to_have_url(re.compile(r"/console/login"))
        me = web_server.api("GET", "/v1/users/me", headers={"Authorization": f"Bearer {secret}"})
        assert me.status_code == 401
    finally:
        theirs.close()


def test_an_agent_with_a_valid_token_still_cannot_post_admin_forms(
    http: Browserless, agent: Person, web_server: WebServer
) -> None:
    assert http.log_in(agent.email, agent.password).status_code == 303
    token = http.csrf_of("/console/views/all-open")
    refused = http.client.post(
        "/console/admin/users",
        data={
            "csrf_token": token,
            "name": "Sneaky",
            "email": "sneaky@example.com",
            "role": "admin",
        },
    )
    assert refused.status_code == 403 and "<h1>Forbidden</h1>" in refused.text
    assert (
        web_server.api("GET", "/v1/users", params={"email": "sneaky@example.com"}).json()["data"]
        == []
    )


def test_the_admin_pages_fit_a_phone_and_every_control_has_a_name(
    web_server: WebServer, admin: Person, page: Page
) -> None:
    page.set_viewport_size({"width": 375, "height": 740})
    login(page, web_server.base_url, admin.email, admin.password)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    for path in ("users", "groups", "organizations", "mailboxes", "webhooks", "tokens"):
        page.goto(web_server.url(f"/console/admin/{path}"))
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), path
        controls = "main input:not([type=hidden]), main select, main textarea"
        unnamed = page.evaluate(
            "s => [...document.querySelectorAll(s)]"
            ".filter(e => !e.labels || e.labels.length === 0).map(e => e.name)",
            controls,
        )
        assert unnamed == [], (path, unnamed)


def test_editing_a_user_changes_their_fields_and_groups_through_the_api_rules(
    web_server: WebServer, admin: Person, agent: Person, page: Page
) -> None:
    first = web_server.api("POST", "/v1/groups", json={"name": "Tier one"}).json()["id"]
    second = web_server.api("POST", "/v1/groups", json={"name": "Tier two"}).json()["id"]
    web_server.api("POST", f"/v1/groups/{first}/members", json={"user_id": agent.id})
    _as_admin(page, web_server, admin, f"/console/admin/users/{agent.id}")
    form = page.get_by_role("form", name="Edit user")
    expect(form.get_by_label("Tier one")).to_be_checked()
    form.get_by_label("Name").fill("Renamed Agent")
    form.get_by_label("Time zone").fill("Europe/Paris")
    form.get_by_label("Tier one").uncheck()
    form.get_by_label("Tier two").check()
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("User saved.")

    user = web_server.api("GET", f"/v1/users/{agent.id}").json()
    assert (user["name"], user["time_zone"]) == ("Renamed Agent", "Europe/Paris")
    for group, members in ((first, []), (second, [agent.id])):
        found = web_server.api("GET", f"/v1/groups/{group}/members").json()["data"]
        assert [m["id"] for m in found] == members

    form = page.get_by_role("form", name="Edit user")
    form.get_by_label("Time zone").fill("Mars/Olympus")
    form.get_by_role("button", name="Save").click()
    expect(page.locator("#e-time_zone")).to_have_text("must be an IANA time zone name")
    assert web_server.api("GET", f"/v1/users/{agent.id}").json()["time_zone"] == "Europe/Paris"
