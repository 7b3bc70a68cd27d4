"""Migration 0006 on a database with data: the customer's search document is built for the
tickets already there, addresses reach their normal form, and the first spelling of each
address holds it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.application.queries import ListTickets, TicketSort
from tessera.domain.access.mailboxes import EmailAddress, LookalikeAddressError
from tessera.domain.access.principal import Principal, Role
from tessera.domain.access.tokens import ApiToken
from tessera.domain.comments.comment import Comment, CommentBody
from tessera.infrastructure.persistence import schema
from tessera.infrastructure.persistence.engine import create_engine
from tessera.infrastructure.persistence.mappers import comment_to_row, ticket_to_row, token_to_row
from tessera.infrastructure.persistence.readers import SqlAlchemyTicketReader
from tessera.infrastructure.persistence.tables import api_tokens, comments, tickets
from tessera.infrastructure.persistence.unit_of_work import SqlAlchemyUnitOfWork
from tests.support import BLANK_DATABASES, blank_database_url, make_ticket

AGENT = Principal(token_id=1, user_id=1, name="agent", role=Role.AGENT)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DECOMPOSED = "jose\u0301@example.com"  # stored before addresses were brought to NFC


@pytest.fixture(params=BLANK_DATABASES)
def database_at_0005(request: pytest.FixtureRequest, tmp_path: Path, worker_id_name: str) -> str:
    return blank_database_url(request, tmp_path, worker=worker_id_name, name="at_0005")


@pytest.fixture
async def engine_at_0005(database_at_0005: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_at_0005)
    await schema.upgrade(engine, "0005")
    yield engine
    await engine.dispose()


# Columns added after 0005 (migration 0009, people), which the current mappers write.
_LATER_COLUMNS = frozenset({"user_id", "requester_id", "organization_id", "group_id", "channel"})


def _as_of_0005(row: dict[str, object]) -> dict[str, object]:
    return {column: value for column, value in row.items() if column not in _LATER_COLUMNS}


async def _seed_before_0006(engine: AsyncEngine) -> None:
    tickets_before = [
        make_ticket(title="Invoice missing", customer_email="ada@example.com"),
        make_ticket(customer_email="strasse@example.com"),
        make_ticket(customer_email="straße@example.com"),
    ]
    rows = [_as_of_0005(ticket_to_row(t)) for t in tickets_before]
    rows[0]["customer_email"] = DECOMPOSED
    token = ApiToken(
        id=0,
        user_id=1,
        name="Ada",
        role=Role.REQUESTER,
        email=EmailAddress("ada@example.com"),
        token_hash="0" * 64,
        created_at=NOW,
    )
    async with engine.begin() as conn:
        for row in rows:
            await conn.execute(insert(tickets).values(**row))
        for body, public in (("Resent via the wombat portal", True), ("quokka fraud", False)):
            comment = Comment(
                id=0,
                ticket_id=1,
                author_id=1,
                author_role=Role.AGENT,
                body=CommentBody(body),
                public=public,
                created_at=NOW,
            )
            await conn.execute(insert(comments).values(**comment_to_row(comment)))
        await conn.execute(insert(api_tokens).values(**_as_of_0005(token_to_row(token))))


async def test_existing_tickets_get_a_customer_document_and_addresses_one_spelling(
    engine_at_0005: AsyncEngine,
) -> None:
    await _seed_before_0006(engine_at_0005)
    await schema.upgrade(engine_at_0005)
    reader = SqlAlchemyTicketReader(engine_at_0005)

    async def ids(**fields: object) -> list[int]:
        query = ListTickets(sort=TicketSort.CREATED_AT, **fields)  # type: ignore[arg-type]
        return [t.id for t in (await reader.list(query)).items]

    jose = "josé@example.com"
    assert await ids(requester_email=jose) == [1]
    assert await ids(requester_email=jose, q="wombat") == [1]
    assert await ids(requester_email=jose, q="quokka") == []
    assert await ids(q="quokka") == [1]
    assert await ids(requester_email="strasse@example.com") == [2]

    async def claim(address: str) -> None:
        async with SqlAlchemyUnitOfWork(engine_at_0005) as uow:
            await uow.mailboxes.claim(EmailAddress(address), field="email")

    for known in (jose, "ada@example.com", "strasse@example.com"):
        await claim(known)
    for lookalike in ("straße@example.com", "Ada@example.com", "JOSÉ@example.com"):
        with pytest.raises(LookalikeAddressError):
            await claim(lookalike)
