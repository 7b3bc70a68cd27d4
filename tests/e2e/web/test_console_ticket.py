"""The console's ticket page in Chromium against ``tessera serve``: an agent works a ticket
(reply, note, status, assignee), the API sees each change; errors are pages, user text inert."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.web.conftest import Person, WebServer, login


def api_ticket(web_server: WebServer, ticket_id: int) -> dict[str, Any]:
    """The ticket as the API shows it, read with a bearer token."""
    response = web_server.api("GET", f"/v1/tickets/{ticket_id}")
    assert response.status_code == 200, response.text
    ticket: dict[str, Any] = response.json()
    return ticket


def api_comments(web_server: WebServer, ticket_id: int) -> list[dict[str, Any]]:
    response = web_server.api("GET", f"/v1/tickets/{ticket_id}/comments")
    assert response.status_code == 200, response.text
    comments: list[dict[str, Any]] = response.json()["data"]
    return comments


def open_ticket(page: Page, web_server: WebServer, person: Person, ticket_id: int) -> None:
    login(page, web_server.base_url, person.email, person.password)
    expect(page.get_by_role("navigation", name="Console")).to_be_visible()
    page.goto(web_server.url(f"/console/tickets/{ticket_id}"))


def send(page: Page, text: str, *, kind: str) -> None:
    page.get_by_label("Reply", exact=True).fill(text)
    page.get_by_role("radio", name=kind).check()
    with page.expect_response(re.compile(r"/comments$")) as answer:
        page.get_by_role("button", name="Send").click()
    assert answer.value.status == 200


def choose(page: Page, label: str, option: str) -> None:
    """Picks an option in a sidebar select and waits for the page's save to be answered.

    Waiting goes through Playwright, never a plain sleep or poll: the context's request
    filter runs on this thread, so the browser's own requests wait while the test does."""
    shown = page.locator("#ticket-sidebar").get_attribute("data-version")
    with page.expect_response(re.compile(r"/fields$")) as answer:
        page.get_by_label(label, exact=True).select_option(label=option)
    assert answer.value.status == 200
    # The answer is swapped in (with the version the change left) before the next change:
    # a select picked in between would belong to the form being replaced.
    expect(page.locator(f'#ticket-sidebar:not([data-version="{shown}"])')).to_be_attached()


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_an_agent_replies_notes_and_changes_status_and_assignee_and_the_api_sees_it(
    web_server: WebServer, agent: Person, page: Page
) -> None:
    ticket = web_server.create_ticket(title="Printer on fire in room 4")
    open_ticket(page, web_server, agent, ticket["id"])
    expect(page.get_by_role("heading", level=1)).to_have_text("Printer on fire in room 4")
    expect(page.get_by_role("article", name="Description")).to_contain_text(
        "It is really on fire now."
    )

    send(page, "We are sending someone with an extinguisher.", kind="Public reply")
    reply = page.get_by_role("article", name=f"Public reply by {agent.name}")
    expect(reply).to_contain_text("We are sending someone with an extinguisher.")
    expect(page.get_by_label("Reply", exact=True)).to_have_value("")  # the composer starts afresh

    send(page, "Third fire this month: check the wiring.", kind="Internal note")
    note = page.get_by_role("article", name=f"Internal note by {agent.name}")
    expect(note).to_contain_text("Third fire this month: check the wiring.")
    expect(note).to_contain_text("Internal note")
    expect(reply).to_be_visible()  # both stay, and they look different
    expect(note).to_have_attribute("data-visibility", "internal")
    expect(reply).to_have_attribute("data-visibility", "public")
    assert note.evaluate("e => getComputedStyle(e).backgroundColor") != reply.evaluate(
        "e => getComputedStyle(e).backgroundColor"
    )
    assert [
        (c["body"], c["public"], c["author_id"]) for c in api_comments(web_server, ticket["id"])
    ] == [
        ("We are sending someone with an extinguisher.", True, agent.id),
        ("Third fire this month: check the wiring.", False, agent.id),
    ]

    choose(page, "Status", "Pending")
    assert api_ticket(web_server, ticket["id"])["status"] == "pending"
    choose(page, "Assignee", agent.name)
    seen = api_ticket(web_server, ticket["id"])
    assert (seen["status"], seen["priority"], seen["assignee_id"]) == (
        "pending",
        "medium",
        agent.id,
    )
    expect(page.get_by_label("Status")).to_have_value("pending")
    history = page.get_by_role("region", name="History")
    expect(history).to_contain_text(f"{agent.name}: Assigned to {agent.name}")
    expect(history).to_contain_text("Changed status from Open to Pending")
    expect(page.get_by_role("region", name="SLA")).to_contain_text("paused while pending")
    countdown = page.request.get(web_server.url(f"/console/tickets/{ticket['id']}/sla"))
    assert countdown.status == 200 and "paused while pending" in countdown.text()

    page.get_by_label("Add a tag").fill("Fire")
    with page.expect_response(re.compile(r"/tags$")):
        page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_role("region", name="Tags")).to_contain_text("fire")
    assert api_ticket(web_server, ticket["id"])["tags"] == ["fire"]
    with page.expect_response(re.compile(r"/tags$")):
        page.get_by_role("button", name="Remove tag fire").click()
    expect(page.get_by_role("region", name="Tags")).to_contain_text("No tags")
    assert api_ticket(web_server, ticket["id"])["tags"] == []


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_a_missing_ticket_is_a_not_found_page(
    web_server: WebServer, agent: Person, page: Page
) -> None:
    login(page, web_server.base_url, agent.email, agent.password)
    expect(page.get_by_role("navigation", name="Console")).to_be_visible()
    for path in ("/console/tickets/999999", "/console/tickets/abc", "/console/tickets/0"):
        response = page.goto(web_server.url(path))
        assert response is not None and response.status == 404, path
        expect(page.get_by_role("heading", level=1)).to_have_text("Not found")


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_script_in_a_title_or_comment_is_shown_as_text_and_never_runs(
    web_server: WebServer, agent: Person, page: Page
) -> None:
    payload = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
    ticket = web_server.create_ticket(title=f"Hi {payload}"[:200], description=f"Body {payload}")
    posted = web_server.api(
        "POST", f"/v1/tickets/{ticket['id']}/comments", json={"body": payload, "public": False}
    )
    assert posted.status_code == 201, posted.text
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))

    open_ticket(page, web_server, agent, ticket["id"])
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hi {payload}")
    note = page.get_by_role("article", name=re.compile("^Internal note by "))
    expect(note).to_contain_text(payload)  # the markup is text on the page
    assert page.evaluate("window.__xss") is None
    assert page.locator('main img, main script:not([src^="/static/"])').count() == 0
    assert dialogs == []


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_a_change_without_the_csrf_token_is_refused(
    web_server: WebServer, agent: Person, page: Page
) -> None:
    ticket = web_server.create_ticket()
    open_ticket(page, web_server, agent, ticket["id"])
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    answer = page.request.post(
        web_server.url(f"/console/tickets/{ticket['id']}/fields"),
        form={"version": str(ticket["version"]), "status": "closed", "seen_status": "open",
              "priority": "medium", "seen_priority": "medium"},
    )  # fmt: skip
    assert answer.status == 403
    assert api_ticket(web_server, ticket["id"])["status"] == "open"
