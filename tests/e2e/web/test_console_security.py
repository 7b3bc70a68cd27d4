"""The console's session security against the real server: wrong passwords, CSRF, session
fixation, cookie flags, the login rate limit, logout and deactivation."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.web.conftest import Browserless, Person, WebServer, login

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

WRONG = "The e-mail address or the password is wrong"


def test_a_wrong_password_says_so_and_logs_nobody_in(
    web_server: WebServer, agent: Person, page: Page
) -> None:
    login(page, web_server.base_url, agent.email, "not the password at all")

    expect(page.get_by_role("alert")).to_have_text(WRONG)
    expect(page.get_by_label("Email")).to_have_value(agent.email)
    page.goto(web_server.url("/console/views/all-open"))
    expect(page).to_have_url(re.compile(r"/console/login\?next=/console/views/all-open$"))


def test_an_unknown_address_gets_the_same_answer_as_a_wrong_password(http: Browserless) -> None:
    answer = http.log_in("nobody@support.example.com", "whatever it is")
    assert answer.status_code == 401
    assert WRONG in answer.text
    assert "tessera_session" not in answer.headers.get("set-cookie", "")


def test_a_form_without_its_csrf_token_is_refused_with_a_403_page(
    http: Browserless, agent: Person, web_server: WebServer
) -> None:
    assert http.log_in(agent.email, agent.password).status_code == 303
    ticket = web_server.create_ticket(title="CSRF target")
    change = {"ids": str(ticket["id"]), "status": "pending", "return_to": "/console/views/all-open"}

    missing = http.client.post("/console/bulk", data=change)
    wrong = http.client.post("/console/bulk", data={**change, "csrf_token": "forged"})
    header = http.client.post("/console/bulk", data=change, headers={"X-CSRF-Token": "forged"})

    for refused in (missing, wrong, header):
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("text/html")
        assert "<h1>Forbidden</h1>" in refused.text
    assert web_server.api("GET", f"/v1/tickets/{ticket['id']}").json()["status"] == "open"

    token = http.csrf_of("/console/views/all-open")
    accepted = http.client.post("/console/bulk", data={**change, "csrf_token": token})
    assert accepted.status_code == 303
    assert web_server.api("GET", f"/v1/tickets/{ticket['id']}").json()["status"] == "pending"


def test_the_login_form_itself_needs_its_csrf_token(http: Browserless, agent: Person) -> None:
    http.csrf_of("/console/login")  # the cookie half is set; the form half is left out
    refused = http.client.post(
        "/console/login", data={"email": agent.email, "password": agent.password}
    )
    assert refused.status_code == 403
    assert "tessera_session" not in refused.headers.get("set-cookie", "")


def test_login_gives_a_new_session_id_never_the_one_the_browser_brought(
    http: Browserless, agent: Person
) -> None:
    planted = "planted-by-an-attacker-0123456789"
    http.client.cookies.set("tessera_session", planted)

    first = http.log_in(agent.email, agent.password)
    after_first = first.cookies.get("tessera_session")
    second = http.log_in(agent.email, agent.password)
    after_second = second.cookies.get("tessera_session")

    assert after_first is not None and after_second is not None
    assert planted not in (after_first, after_second)
    assert after_first != after_second
    http.client.cookies.clear()
    http.client.cookies.set("tessera_session", planted)
    assert http.client.get("/console/views/all-open").status_code == 303  # worthless


def test_the_session_cookie_is_httponly_and_samesite_lax(http: Browserless, agent: Person) -> None:
    answer = http.log_in(agent.email, agent.password)
    cookie = next(
        value
        for name, value in answer.headers.multi_items()
        if name == "set-cookie" and value.startswith("tessera_session=")
    )
    flags = {part.strip().split("=")[0].lower(): part for part in cookie.split(";")}
    assert "httponly" in flags
    assert flags["samesite"].strip().lower() == "samesite=lax"
    assert flags["path"].strip() == "Path=/"
    assert "secure" not in flags  # TESSERA_ENV=development serves plain HTTP


def test_logins_past_the_limit_are_refused_even_with_the_right_password(
    http: Browserless, web_server: WebServer
) -> None:
    person = web_server.create_user(role="agent")
    statuses = [http.log_in(person.email, "guess number one").status_code for _ in range(5)]
    assert statuses == [401] * 5

    refused = http.log_in(person.email, person.password)

    assert refused.status_code == 429
    assert "Too many login attempts" in refused.text
    assert "tessera_session" not in refused.headers.get("set-cookie", "")
    other = web_server.create_user(role="agent")  # the limit is per address
    assert http.log_in(other.email, other.password).status_code == 303


def test_logout_ends_the_session(web_server: WebServer, agent: Person, page: Page) -> None:
    login(page, web_server.base_url, agent.email, agent.password)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    old = next(c["value"] for c in page.context.cookies() if c["name"] == "tessera_session")

    page.get_by_role("button", name="Log out").click()

    expect(page).to_have_url(re.compile(r"/console/login$"))
    page.goto(web_server.url("/console/views/all-open"))
    expect(page).to_have_url(re.compile(r"/console/login\?next="))
    reused = Browserless(web_server)
    try:
        reused.client.cookies.set("tessera_session", old)
        assert reused.client.get("/console/views/all-open").status_code == 303
    finally:
        reused.close()


def test_a_deactivated_users_session_stops_working_and_stays_ended(
    http: Browserless, web_server: WebServer
) -> None:
    person = web_server.create_user(role="agent")
    assert http.log_in(person.email, person.password).status_code == 303
    assert http.client.get("/console/views/all-open").status_code == 200

    off = web_server.api("PATCH", f"/v1/users/{person.id}", json={"active": False})
    assert off.status_code == 200, off.text
    refused = http.client.get("/console/views/all-open")
    assert refused.status_code == 303
    assert refused.headers["location"].startswith("/console/login")

    # Reactivated, the person logs in again: the old session was deleted, not just paused.
    on = web_server.api("PATCH", f"/v1/users/{person.id}", json={"active": True})
    assert on.status_code == 200, on.text
    assert http.client.get("/console/views/all-open").status_code == 303
