"""The ticket page's sections, read through the use cases on the memory adapters."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest

from tessera.application.attachments.commands import UploadFile
from tessera.application.comments.commands import AddComment
from tessera.application.errors import TicketNotFoundError
from tessera.application.people.groups import CreateGroup
from tessera.application.people.users import CreateUser
from tessera.application.services import Services
from tessera.application.tickets.commands import CreateTicket, UpdateTicket
from tessera.application.tokens.manage_tokens import IssueToken
from tessera.bootstrap.memory import build_memory_services
from tessera.domain.access.principal import Principal
from tessera.presentation.web import ticket_page
from tests.support import FrozenClock


@pytest.fixture
def services(clock: FrozenClock) -> Services:
    return build_memory_services(clock=clock)[0]


async def staff(services: Services, name: str, role: str = "agent") -> Principal:
    user = await services.create_user(
        CreateUser(name=name, email=f"{name.lower()}@tessera.test", role=role), principal=None
    )
    issued = await services.issue_token(IssueToken(name=name, user_id=user.id), principal=None)
    return await services.authenticate(issued.secret)


def ticket(title: str = "Printer on fire", email: str = "bob@example.com") -> CreateTicket:
    return CreateTicket(title=title, description="It is really on fire now.", customer_email=email)


async def chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def test_the_conversation_names_authors_and_keeps_ticket_files_apart(
    services: Services,
) -> None:
    ada = await staff(services, "Ada")
    first = await services.upload_file(
        UploadFile(chunks=chunks(b"log"), filename="boot.log", content_type="text/plain"),
        principal=ada,
    )
    second = await services.upload_file(
        UploadFile(chunks=chunks(b"png?"), filename="shot.txt", content_type="text/plain"),
        principal=ada,
    )
    opened = await services.create_ticket(
        dataclasses.replace(ticket(), uploads=(first.token,)), principal=ada
    )
    await services.add_comment(
        AddComment(ticket_id=opened.id, body="On it.", public=True), principal=ada
    )
    await services.add_comment(
        AddComment(ticket_id=opened.id, body="Smells of toner.", public=False,
                   uploads=(second.token,)),
        principal=ada,
    )  # fmt: skip

    seen = await ticket_page.conversation(services, opened.id, principal=ada)
    assert [(c.body, c.public) for c in seen.comments] == [
        ("On it.", True),
        ("Smells of toner.", False),
    ]
    assert seen.names.user(seen.comments[0].author_id) == "Ada"
    assert [f.filename for f in seen.files] == ["boot.log"]
    assert [f.filename for f in seen.comments[1].attachments] == ["shot.txt"]


async def test_the_sidebar_offers_the_moves_the_status_allows_and_the_groups_members(
    services: Services,
) -> None:
    ada = await staff(services, "Ada")
    bo = await staff(services, "Bo", role="admin")
    await staff(services, "Cy")
    billing = await services.create_group(CreateGroup(name="Billing"), principal=bo)
    await services.add_member(billing.id, bo.user_id, principal=bo)
    opened = await services.create_ticket(ticket(), principal=ada)
    older = await services.create_ticket(ticket("Toner low"), principal=ada)
    await services.create_ticket(ticket("Someone else", "eve@example.com"), principal=ada)

    side = await ticket_page.sidebar(services, opened, principal=ada)
    assert side.statuses == ["open", "in_progress", "pending", "resolved", "closed"]
    assert [a.name for a in side.agents] == ["Ada", "Bo", "Cy"]
    assert [g.name for g in side.groups] == ["Billing"]
    assert [t.id for t in side.other_tickets] == [older.id]
    assert side.requester is not None and side.requester.email == "bob@example.com"
    assert [c.target for c in side.sla] == ["first_response", "resolution"]

    resolved = await services.update_ticket(
        UpdateTicket(ticket_id=opened.id, status="resolved", group_id=billing.id),
        principal=ada,
    )
    side = await ticket_page.sidebar(services, resolved, principal=ada)
    assert side.statuses == ["open", "resolved", "closed"]
    assert [a.name for a in side.agents] == ["Bo"]  # only members may be assigned
    assert side.names.group(billing.id) == "Billing"


async def test_the_history_reads_oldest_first_with_names(services: Services) -> None:
    ada = await staff(services, "Ada")
    bo = await staff(services, "Bo")
    opened = await services.create_ticket(ticket(), principal=ada)
    await services.update_ticket(
        UpdateTicket(ticket_id=opened.id, status="pending", assignee_id=bo.user_id),
        principal=ada,
    )
    lines = await ticket_page.history(services, opened.id, principal=bo)
    assert [(line.who, line.what) for line in lines] == [
        ("Ada", "Opened the ticket (api)"),
        ("Ada", "Changed status from Open to Pending"),
        ("Ada", "Assigned to Bo"),
    ]


async def test_a_missing_ticket_is_not_found_in_every_section(services: Services) -> None:
    ada = await staff(services, "Ada")
    with pytest.raises(TicketNotFoundError):
        await ticket_page.conversation(services, 404, principal=ada)
    with pytest.raises(TicketNotFoundError):
        await ticket_page.history(services, 404, principal=ada)
