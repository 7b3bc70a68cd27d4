"""The customer portal against the real server (``tessera serve``, SQLite) with a real SMTP
server (aiosmtpd, on its own port) receiving the login links: the whole journey in Chromium,
and the security of the login link and the pages over plain HTTP."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import Page, expect

from tests.e2e.web.conftest import WebServer, server_environment
from tests.servers import TesseraProcess, free_port

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

_LINK = re.compile(r"https?://\S+/portal/login/link\?token=[A-Za-z0-9_\-]+(?:&next=\S+)?")
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_TOKEN = re.compile(r'name="token" value="([^"]*)"')
_NEXT = re.compile(r'name="next" value="([^"]*)"')
_serial = iter(range(1, 10_000))
LINK_SUBJECT = "Your login link for the Acme Support portal"


class Inbox:
    """What the SMTP server received, for the test's thread to read."""

    def __init__(self) -> None:
        self.port = free_port()
        self._lock = threading.Lock()
        self._messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self._messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for rcpt, m in self._messages if address in rcpt]

    def link_for(self, address: str, *, timeout: float = 20) -> str:
        """The login link in the latest mail to ``address``, waiting for it to arrive."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            mails = [m for m in self.to(address) if str(m["Subject"]).startswith(LINK_SUBJECT)]
            if mails:
                body = mails[-1].get_body(preferencelist=("plain",))
                assert body is not None
                found = _LINK.search(body.get_content())
                assert found is not None, body.get_content()
                return found.group(0)
            time.sleep(0.1)
        pytest.fail(f"no mail reached {address}")


@pytest.fixture(scope="module")
def inbox() -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


def _server_env(workdir: Path, smtp_port: int, **extra: str) -> dict[str, str]:
    return {
        **server_environment(workdir),
        "TESSERA_MAIL_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        "TESSERA_MAIL_TLS": "none",
        "TESSERA_MAIL_SENDER": "Acme Support <support@acme.example>",
        "TESSERA_MAIL_TEAM": "Acme Support",
        **extra,
    }


@pytest.fixture(scope="module")
def web_server(tmp_path_factory: pytest.TempPathFactory, inbox: Inbox) -> Iterator[WebServer]:
    """This module's server sends its mail to ``inbox`` (the browser fixtures use it too)."""
    workdir = tmp_path_factory.mktemp("portal")
    process = TesseraProcess(_server_env(workdir, inbox.port), workdir)
    process.start()
    try:
        yield WebServer(process)
    finally:
        process.stop()


class Customer:
    def __init__(
        self, server: WebServer, *, name: str | None = None, organization_id: int | None = None
    ) -> None:
        n = next(_serial)
        self.name = name or f"Customer {n}"
        self.email = f"customer{n}@client.example"
        body: dict[str, Any] = {"name": self.name, "email": self.email, "role": "customer"}
        if organization_id is not None:
            body["organization_id"] = organization_id
        answer = server.api("POST", "/v1/users", json=body)
        assert answer.status_code == 201, answer.text
        self.id: int = answer.json()["id"]


class PortalClient:
    """The portal over plain HTTP (no redirects followed): what a browser would hide."""

    def __init__(self, server: WebServer) -> None:
        self.server = server
        self.client = httpx.Client(base_url=server.base_url, timeout=30, follow_redirects=False)

    def csrf_of(self, path: str) -> str:
        page = self.client.get(path)
        assert page.status_code == 200, page.text
        found = _CSRF.search(page.text)
        assert found is not None, page.text
        return found.group(1)

    def ask_for_link(self, email: str, **extra: str) -> httpx.Response:
        token = self.csrf_of("/portal/login")
        data = {"email": email, "csrf_token": token, **extra}
        return self.client.post("/portal/login", data=data)

    def open_link(self, link: str) -> httpx.Response:
        """The link's page, then its button (the POST that redeems it)."""
        path = link.split(self.server.base_url, 1)[1]
        page = self.client.get(path)
        assert page.status_code == 200, page.text
        csrf, token = _CSRF.search(page.text), _TOKEN.search(page.text)
        assert csrf is not None and token is not None, page.text
        data = {"csrf_token": csrf.group(1), "token": token.group(1)}
        if found := _NEXT.search(page.text):
            data["next"] = found.group(1)
        return self.client.post("/portal/login/link", data=data)

    def log_in(self, customer: Customer, inbox: Inbox) -> str:
        assert self.ask_for_link(customer.email).status_code == 200
        answer = self.open_link(inbox.link_for(customer.email))
        assert answer.status_code == 303, answer.text
        assert answer.headers["location"] == "/portal/tickets"
        return self.csrf_of("/portal/tickets")

    def close(self) -> None:
        self.client.close()


@pytest.fixture
def portal(web_server: WebServer) -> Iterator[PortalClient]:
    client = PortalClient(web_server)
    try:
        yield client
    finally:
        client.close()


def _comment(
    server: WebServer,
    ticket_id: int,
    body: str,
    *,
    public: bool,
    token: str | None = None,
    **extra: Any,
) -> None:
    """A comment by the admin, or by whoever ``token`` acts as."""
    answer = server.api(
        "POST",
        f"/v1/tickets/{ticket_id}/comments",
        json={"body": body, "public": public, **extra},
        headers={"Authorization": f"Bearer {token}"} if token else {},
    )
    assert answer.status_code == 201, answer.text


def _agent_token(server: WebServer) -> str:
    agent = server.create_user(role="agent")
    answer = server.api("POST", "/v1/tokens", json={"name": "agent", "user_id": agent.id})
    assert answer.status_code == 201, answer.text
    token: str = answer.json()["token"]
    return token


def _upload(server: WebServer, name: str, content: bytes) -> str:
    answer = server.api(
        "POST",
        f"/v1/uploads?filename={name}",
        content=content,
        headers={"Content-Type": "text/plain"},
    )
    assert answer.status_code == 201, answer.text
    token: str = answer.json()["token"]
    return token


def test_a_customer_logs_in_by_mail_reads_the_reply_files_a_ticket_and_replies(
    web_server: WebServer, inbox: Inbox, page: Page, tmp_path: Any
) -> None:
    customer = Customer(web_server, name="Ada Lovelace")
    ticket = web_server.create_ticket(
        title="The invoice total is wrong", customer_email=customer.email
    )
    agent = _agent_token(web_server)
    _comment(
        web_server,
        ticket["id"],
        "We corrected the invoice; see attached.",
        public=True,
        token=agent,
    )
    note = "Customer is on the legacy plan: SECRET-NOTE-42"
    _comment(web_server, ticket["id"], note, public=False, token=agent)

    page.goto(web_server.url("/portal"))
    expect(page).to_have_url(re.compile(r"/portal/login\?next="))
    page.get_by_label("Email").fill(customer.email)
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("status")).to_contain_text("a link to log in is on its way")

    link = inbox.link_for(customer.email)
    page.goto(link)
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(re.compile(r"/portal/tickets$"))
    page.get_by_role("link", name="The invoice total is wrong").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The invoice total is wrong")
    expect(page.get_by_text("We corrected the invoice; see attached.")).to_be_visible()
    expect(page.get_by_text("Support", exact=True)).to_be_visible()  # the agent's reply
    assert "SECRET-NOTE-42" not in page.content()
    assert "legacy plan" not in page.content()

    page.get_by_role("link", name="New ticket").click()
    page.get_by_label("Subject").fill("The app crashes on start")
    page.get_by_label("Description").fill("Since this morning it closes at once.")
    screenshot = tmp_path / "crash.txt"
    screenshot.write_text("stack trace: boom\n")
    page.get_by_label("Attach files").set_input_files(str(screenshot))
    page.get_by_role("button", name="Submit").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("The app crashes on start")
    expect(page.get_by_role("link", name="crash.txt")).to_be_visible()
    new_id = int(page.url.rsplit("/", 1)[1])
    filed = web_server.api("GET", f"/v1/tickets/{new_id}").json()
    assert (filed["channel"], filed["customer_email"]) == ("portal", customer.email)
    assert filed["requester_id"] == customer.id

    page.get_by_label("Reply").fill("Here is one more detail.")
    page.get_by_label("Attach files").set_input_files(str(screenshot))
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Here is one more detail.")).to_be_visible()
    comments = web_server.api("GET", f"/v1/tickets/{new_id}/comments").json()["data"]
    assert [(c["body"], c["public"], c["author_id"]) for c in comments] == [
        ("Here is one more detail.", True, customer.id)
    ]
    assert [a["filename"] for a in comments[0]["attachments"]] == ["crash.txt"]

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/portal/login$"))
    page.goto(web_server.url(f"/portal/tickets/{new_id}"))
    expect(page).to_have_url(re.compile(r"/portal/login\?next="))


def test_the_answer_is_the_same_for_an_unknown_address_and_no_mail_goes_there(
    web_server: WebServer, inbox: Inbox, portal: PortalClient
) -> None:
    customer = Customer(web_server)
    unknown = "nobody-here@client.example"

    strange = portal.ask_for_link(unknown)
    known = portal.ask_for_link(customer.email)

    assert strange.status_code == known.status_code == 200
    masked = [
        _without_tokens(r.text.replace(a, "ADDRESS"))
        for r, a in ((strange, unknown), (known, customer.email))
    ]
    assert masked[0] == masked[1]
    inbox.link_for(customer.email)  # the known address's mail arrived; the other never does
    assert inbox.to(unknown) == []


def _without_tokens(html: str) -> str:
    return _CSRF.sub('name="csrf_token" value=""', html)


def test_a_link_works_once(web_server: WebServer, inbox: Inbox, portal: PortalClient) -> None:
    customer = Customer(web_server)
    portal.ask_for_link(customer.email)
    link = inbox.link_for(customer.email)

    first = portal.open_link(link)
    again = PortalClient(web_server)
    try:
        second = again.open_link(link)
    finally:
        again.close()

    assert first.status_code == 303
    assert second.status_code == 401
    assert "no longer valid" in second.text
    assert "tessera_session=" not in second.headers.get("set-cookie", "")


def test_a_made_up_link_is_refused(portal: PortalClient, web_server: WebServer) -> None:
    answer = portal.open_link(web_server.url("/portal/login/link?token=made-up-token"))
    assert answer.status_code == 401
    assert "tessera_session=" not in answer.headers.get("set-cookie", "")


def test_a_new_session_id_at_login_with_the_cookie_flags(
    web_server: WebServer, inbox: Inbox, portal: PortalClient
) -> None:
    customer = Customer(web_server)
    portal.client.cookies.set("tessera_session", "planted-by-an-attacker")
    portal.ask_for_link(customer.email)

    answer = portal.open_link(inbox.link_for(customer.email))

    cookie = answer.headers["set-cookie"]
    session = re.search(r"tessera_session=([^;]+)", cookie)
    assert session is not None and session.group(1) not in ("planted-by-an-attacker", '""')
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "samesite=lax", "path=/"} <= flags
    assert "secure" not in flags  # development serves plain HTTP; elsewhere it is Secure
    planted = httpx.get(
        web_server.url("/portal/tickets"), cookies={"tessera_session": "planted-by-an-attacker"}
    )
    assert planted.status_code == 303  # to the login page: the planted id logs nobody in


def test_forms_without_their_csrf_token_are_refused(
    web_server: WebServer, inbox: Inbox, portal: PortalClient
) -> None:
    customer = Customer(web_server)
    token = portal.log_in(customer, inbox)
    ticket = web_server.create_ticket(title="CSRF target", customer_email=customer.email)
    fields = {"title": "Forged ticket", "description": "Filed by another site."}

    refused = [
        portal.client.post("/portal/tickets", data=fields),
        portal.client.post("/portal/tickets", data={**fields, "csrf_token": "forged"}),
        portal.client.post(f"/portal/tickets/{ticket['id']}/comments", data={"body": "forged"}),
        portal.client.post("/portal/logout"),
        httpx.post(web_server.url("/portal/login"), data={"email": customer.email}),
    ]

    assert [r.status_code for r in refused] == [403] * 5
    mine = web_server.api("GET", "/v1/tickets", params={"customer_email": customer.email})
    assert [t["title"] for t in mine.json()["data"]] == ["CSRF target"]
    accepted = portal.client.post("/portal/tickets", data={**fields, "csrf_token": token})
    assert accepted.status_code == 303


def test_another_customers_ticket_and_files_are_404(
    web_server: WebServer, inbox: Inbox, portal: PortalClient
) -> None:
    mallory, alice = Customer(web_server), Customer(web_server)
    upload = _upload(web_server, "contract.txt", b"private terms")
    theirs = web_server.create_ticket(
        title="Alice's contract", customer_email=alice.email, uploads=[upload]
    )
    token = portal.log_in(mallory, inbox)

    page = portal.client.get(f"/portal/tickets/{theirs['id']}")
    reply = portal.client.post(
        f"/portal/tickets/{theirs['id']}/comments", data={"body": "hi", "csrf_token": token}
    )
    listing = portal.client.get("/portal/tickets")

    assert page.status_code == 404
    assert "Alice" not in page.text
    assert reply.status_code == 404
    assert "Alice's contract" not in listing.text
    assert web_server.api("GET", f"/v1/tickets/{theirs['id']}/comments").json()["data"] == []


def test_an_internal_notes_file_is_neither_linked_nor_served(
    web_server: WebServer, inbox: Inbox, portal: PortalClient
) -> None:
    customer = Customer(web_server)
    ticket = web_server.create_ticket(title="With a note", customer_email=customer.email)
    _comment(
        web_server,
        ticket["id"],
        "Note with a file",
        public=False,
        uploads=[_upload(web_server, "internal-audit.txt", b"staff only")],
    )
    _comment(
        web_server,
        ticket["id"],
        "Reply with a file",
        public=True,
        uploads=[_upload(web_server, "public-guide.txt", b"for the customer")],
    )
    comments = web_server.api("GET", f"/v1/tickets/{ticket['id']}/comments").json()["data"]
    note_file = comments[0]["attachments"][0]["id"]
    reply_file = comments[1]["attachments"][0]["id"]
    portal.log_in(customer, inbox)

    page = portal.client.get(f"/portal/tickets/{ticket['id']}")

    assert page.status_code == 200
    assert "Reply with a file" in page.text and "public-guide.txt" in page.text
    assert "Note with a file" not in page.text
    assert "internal-audit.txt" not in page.text
    assert f"/portal/attachments/{note_file}" not in page.text
    assert portal.client.get(f"/portal/attachments/{note_file}").status_code == 404
    served = portal.client.get(f"/portal/attachments/{reply_file}")
    assert served.status_code == 200
    assert served.content == b"for the customer"
    assert served.headers["content-disposition"].startswith("attachment")


def test_markup_in_a_title_or_comment_renders_inert(
    web_server: WebServer, inbox: Inbox, portal: PortalClient, page: Page
) -> None:
    customer = Customer(web_server)
    title = "<script>window.pwned = 1</script>Broken"
    ticket = web_server.create_ticket(title=title, customer_email=customer.email)
    _comment(web_server, ticket["id"], '<img src=x onerror="window.pwned=2">', public=True)
    portal.log_in(customer, inbox)

    for path in ("/portal/tickets", f"/portal/tickets/{ticket['id']}"):
        html = portal.client.get(path).text
        assert "<script>window.pwned" not in html
        assert "&lt;script&gt;window.pwned = 1&lt;/script&gt;Broken" in html
    html = portal.client.get(f"/portal/tickets/{ticket['id']}").text
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=&#34;window.pwned=2&#34;&gt;" in html

    page.context.add_cookies(
        [
            {"name": k, "value": v, "url": web_server.base_url}
            for k, v in portal.client.cookies.items()
        ]
    )
    page.goto(web_server.url(f"/portal/tickets/{ticket['id']}"))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    assert page.evaluate("window.pwned") is None


def test_an_organization_that_shares_shows_its_members_each_others_tickets(
    web_server: WebServer, inbox: Inbox, portal: PortalClient
) -> None:
    organizations = []
    for shared in (True, False):
        answer = web_server.api(
            "POST",
            "/v1/organizations",
            json={"name": f"Org {next(_serial)}", "domains": [], "shared_tickets": shared},
        )
        assert answer.status_code == 201, answer.text
        organizations.append(answer.json()["id"])
    sharing, private = (
        [Customer(web_server, organization_id=org) for _ in range(2)] for org in organizations
    )
    for members in (sharing, private):
        web_server.create_ticket(
            title=f"Filed by {members[1].name}", customer_email=members[1].email
        )

    portal.log_in(sharing[0], inbox)
    assert f"Filed by {sharing[1].name}" in portal.client.get("/portal/tickets").text
    other = PortalClient(web_server)
    try:
        other.log_in(private[0], inbox)
        assert f"Filed by {private[1].name}" not in other.client.get("/portal/tickets").text
    finally:
        other.close()


@pytest.fixture(scope="module")
def short_links(tmp_path_factory: pytest.TempPathFactory, inbox: Inbox) -> Iterator[WebServer]:
    """A server whose login links last 1.2 seconds (TESSERA_WEB_LOGIN_LINK_MINUTES)."""
    workdir = tmp_path_factory.mktemp("portal-short")
    env = _server_env(workdir, inbox.port, TESSERA_WEB_LOGIN_LINK_MINUTES="0.02")
    process = TesseraProcess(env, workdir)
    process.start()
    try:
        yield WebServer(process)
    finally:
        process.stop()


def test_an_expired_link_is_refused(short_links: WebServer, inbox: Inbox) -> None:
    customer = Customer(short_links)
    client = PortalClient(short_links)
    try:
        client.ask_for_link(customer.email)
        link = inbox.link_for(customer.email)
        time.sleep(1.5)  # past the link's 1.2 seconds (the mail itself came in well within)
        answer = client.open_link(link)
    finally:
        client.close()
    assert answer.status_code == 401
    assert "no longer valid" in answer.text
    assert "tessera_session=" not in answer.headers.get("set-cookie", "")


def test_asking_for_links_is_rate_limited_per_address(
    web_server: WebServer, inbox: Inbox, portal: PortalClient
) -> None:
    customer = Customer(web_server)
    answers = [portal.ask_for_link(customer.email).status_code for _ in range(6)]
    unknown = [portal.ask_for_link("nobody-twice@client.example").status_code for _ in range(6)]

    assert answers == unknown == [200] * 5 + [429]
    refused = portal.ask_for_link(customer.email)
    assert "Too many login links asked for" in refused.text


def test_a_bad_new_ticket_is_said_beside_the_form_and_kept(
    web_server: WebServer, inbox: Inbox, portal: PortalClient
) -> None:
    customer = Customer(web_server)
    token = portal.log_in(customer, inbox)

    answer = portal.client.post(
        "/portal/tickets",
        data={"title": "Short one", "description": "too short", "csrf_token": token},
    )

    assert answer.status_code == 422
    assert 'role="alert"' in answer.text and "Description" in answer.text
    assert 'value="Short one"' in answer.text
    mine = web_server.api("GET", "/v1/tickets", params={"customer_email": customer.email})
    assert mine.json()["data"] == []


def test_bad_input_gets_a_page_never_a_500(
    web_server: WebServer, inbox: Inbox, portal: PortalClient
) -> None:
    customer = Customer(web_server)
    token = portal.log_in(customer, inbox)
    ticket = web_server.create_ticket(title="Mine", customer_email=customer.email)
    client = portal.client

    answers = {
        "cursor": client.get("/portal/tickets?cursor=%00not-a-cursor").status_code,
        "id": client.get("/portal/tickets/99999999999999999999999").status_code,
        "word": client.get("/portal/tickets/abc").status_code,
        "file": client.get("/portal/attachments/-1").status_code,
        "empty reply": client.post(
            f"/portal/tickets/{ticket['id']}/comments", data={"body": " ", "csrf_token": token}
        ).status_code,
        "link token": client.get("/portal/login/link?token=" + "%F0%9F%92%A9" * 300).status_code,
        "json": client.post(
            "/portal/tickets", json={"title": "x"}, headers={"X-CSRF-Token": token}
        ).status_code,
        "too large": client.post(
            "/portal/tickets",
            data={"title": "Big", "description": "a" * 2_000_000, "csrf_token": token},
        ).status_code,
    }

    assert answers == {
        "cursor": 422,
        "id": 404,
        "word": 404,
        "file": 404,
        "empty reply": 422,
        "link token": 200,
        "json": 422,  # read as a form: its fields are missing
        "too large": 413,
    }


def test_the_link_brings_the_customer_back_to_the_page_they_asked_for(
    web_server: WebServer, inbox: Inbox, portal: PortalClient
) -> None:
    customer = Customer(web_server)
    ticket = web_server.create_ticket(title="Come back here", customer_email=customer.email)
    path = f"/portal/tickets/{ticket['id']}"

    sent_away = portal.client.get(path)
    assert sent_away.headers["location"] == f"/portal/login?next={path}"
    form = portal.client.get(sent_away.headers["location"]).text
    assert f'name="next" value="{path}"' in form
    portal.ask_for_link(customer.email, next=path)
    link = inbox.link_for(customer.email)
    assert link.endswith(f"&next=%2Fportal%2Ftickets%2F{ticket['id']}")

    assert portal.open_link(link).headers["location"] == path


@pytest.mark.parametrize(
    "elsewhere", ["//evil.example/portal", "https://evil.example/", "/console"]
)
def test_the_link_never_leads_off_the_portal(
    web_server: WebServer, inbox: Inbox, portal: PortalClient, elsewhere: str
) -> None:
    customer = Customer(web_server)
    portal.ask_for_link(customer.email, next=elsewhere)
    link = inbox.link_for(customer.email)

    assert "next=" not in link
    assert portal.open_link(link).headers["location"] == "/portal/tickets"


def test_the_navigation_marks_the_current_page(
    web_server: WebServer, inbox: Inbox, portal: PortalClient
) -> None:
    portal.log_in(Customer(web_server), inbox)
    mine = portal.client.get("/portal/tickets").text
    new = portal.client.get("/portal/tickets/new").text
    assert '<a href="/portal/tickets" aria-current="page">My tickets</a>' in mine
    assert '<a href="/portal/tickets/new">New ticket</a>' in mine
    assert '<a href="/portal/tickets/new" aria-current="page">New ticket</a>' in new
