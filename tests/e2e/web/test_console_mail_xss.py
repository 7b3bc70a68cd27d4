"""SPEC §16: markup that arrives by e-mail (subject, plain text and HTML parts) is inert in the
console. The mail goes in through the real LMTP intake of a real `tessera serve`, and the
ticket it makes is opened in Chromium."""

from __future__ import annotations

import smtplib
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.web.conftest import WebServer, login, server_environment
from tests.servers import TesseraProcess, free_port

MAILBOX = "help@support.example.com"
PAYLOAD = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'


@pytest.fixture(scope="module")
def lmtp_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def web_server(tmp_path_factory: pytest.TempPathFactory, lmtp_port: int) -> Iterator[WebServer]:
    """This module's server listens for mail too (the browser fixtures reach only it)."""
    workdir: Path = tmp_path_factory.mktemp("web-mail")
    environment = {
        **server_environment(workdir),
        "TESSERA_MAIL_LMTP_PORT": str(lmtp_port),
        "TESSERA_MAIL_INTAKE_REFRESH_SECONDS": "0.2",
    }
    process = TesseraProcess(environment, workdir)
    process.start()
    try:
        yield WebServer(process)
    finally:
        process.stop()


def _hostile_mail() -> bytes:
    message = EmailMessage()
    message["From"] = "Mallory <mallory@example.net>"
    message["To"] = MAILBOX
    message["Subject"] = f"Hi {PAYLOAD}"
    message["Message-ID"] = "<hostile-1@example.net>"
    message.set_content(f"Plain part {PAYLOAD}")
    message.add_alternative(
        f'<html><body><p>HTML part</p>{PAYLOAD}<a href="javascript:window.__xss=3">x</a>'
        "</body></html>",
        subtype="html",
    )
    return message.as_bytes()


def _ticket_made_from_mail(server: WebServer, lmtp_port: int) -> int:
    """Delivers the mail over LMTP once the intake listens; the ticket id it became."""
    deadline = time.monotonic() + 30
    while True:
        try:
            with smtplib.LMTP("127.0.0.1", lmtp_port, timeout=5) as client:
                refused = client.sendmail("mallory@example.net", [MAILBOX], _hostile_mail())
            assert refused == {}
            break
        except (ConnectionRefusedError, smtplib.SMTPException):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    while True:
        found = server.api("GET", "/v1/tickets", params={"customer_email": "mallory@example.net"})
        assert found.status_code == 200, found.text
        if found.json()["data"]:
            ticket_id: int = found.json()["data"][0]["id"]
            return ticket_id
        assert time.monotonic() < deadline, "the mail never became a ticket"
        time.sleep(0.2)


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_script_in_a_mails_subject_and_bodies_is_shown_as_text_and_never_runs(
    web_server: WebServer, lmtp_port: int, page: Page
) -> None:
    server = web_server
    made = server.api(
        "POST",
        "/v1/mailboxes",
        json={"address": MAILBOX, "group_id": None, "intake": {"kind": "lmtp"}},
    )
    assert made.status_code == 201, made.text
    ticket_id = _ticket_made_from_mail(server, lmtp_port)
    agent = server.create_user(role="agent")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))

    login(page, server.base_url, agent.email, agent.password)
    expect(page.get_by_role("navigation", name="Console")).to_be_visible()
    page.goto(server.url(f"/console/tickets/{ticket_id}"))

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hi {PAYLOAD}")
    expect(page.get_by_role("article", name="Description")).to_contain_text("Plain part")
    assert page.evaluate("window.__xss") is None
    assert page.locator('main img, main script:not([src^="/static/"])').count() == 0
    assert page.locator('main a[href^="javascript:"]').count() == 0
    assert dialogs == []
