"""The explicit mappers (ADR 0003): every column written, and every field read back as it was,
on SQLite and on PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.application.views import TicketView
from tessera.domain.access.mailboxes import EmailAddress
from tessera.domain.access.principal import Role
from tessera.domain.access.tokens import ApiToken
from tessera.domain.comments.comment import Comment, CommentBody
from tessera.domain.tickets.status import Status
from tessera.domain.tickets.ticket import Ticket
from tessera.domain.tickets.values import Channel, Description, Priority, Tag, Title
from tessera.infrastructure.persistence import tables
from tessera.infrastructure.persistence.mappers import (
    comment_from_row,
    comment_to_row,
    ticket_from_row,
    ticket_to_row,
    ticket_view_from_row,
    token_from_row,
    token_to_row,
)

# Distinct instants with microseconds, so a swapped or truncated column shows.
T0 = datetime(2026, 3, 2, 9, 0, 0, 123456, tzinfo=UTC)
# Columns no mapper writes: the identity, and the search vectors that triggers maintain.
DATABASE_OWNED = {"id", "search_vector", "public_search_vector"}


def _at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes, microseconds=minutes)


def every_field_set() -> Ticket:
    """A ticket with no field left at its default, so each one's round trip is tested."""
    return Ticket(
        id=0,
        title=Title("Printer on fire"),
        description=Description("It is really on fire now."),
        status=Status.PENDING,
        priority=Priority.CRITICAL,
        customer_email=EmailAddress("ada@example.com"),
        assignee_id=7,
        tags=frozenset({Tag("hardware"), Tag("urgent")}),
        version=5,
        created_at=_at(0),
        updated_at=_at(1),
        first_response_due_at=_at(2),
        resolution_due_at=_at(3),
        first_responded_at=_at(4),
        resolved_at=_at(5),
        closed_at=_at(6),
        merged_into_id=99,
        paused_at=_at(7),
        paused=timedelta(seconds=4321),
        first_response_breached_at=_at(8),
        resolution_breached_at=_at(9),
        event_sequence=11,
        requester_id=12,
        organization_id=14,
        group_id=13,
        channel=Channel.EMAIL,
        follower_ids=frozenset({3, 4}),
    )


def _fields(entity: Ticket | Comment | ApiToken) -> dict[str, Any]:
    """The constructor's fields (the domain's entities compare by identity)."""
    return {f.name: getattr(entity, f.name) for f in dataclasses.fields(entity) if f.init}


async def _insert(engine: AsyncEngine, table: Table, row: dict[str, Any]) -> int:
    async with engine.begin() as conn:
        result = await conn.execute(table.insert().values(**row))
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])


async def _read(engine: AsyncEngine, table: Table, row_id: int) -> Any:
    async with engine.connect() as conn:
        result = await conn.execute(select(table).where(table.c.id == row_id))
        return result.mappings().one()


def test_the_ticket_mapper_writes_every_column_the_database_does_not_own() -> None:
    columns = {column.name for column in tables.tickets.columns}
    assert set(ticket_to_row(every_field_set())) == columns - DATABASE_OWNED


async def test_a_ticket_reads_back_field_for_field(engine: AsyncEngine) -> None:
    ticket = every_field_set()
    ticket_id = await _insert(engine, tables.tickets, ticket_to_row(ticket))
    tags = sorted(ticket.tags)
    async with engine.begin() as conn:
        await conn.execute(
            tables.ticket_tags.insert(), [{"ticket_id": ticket_id, "tag": t} for t in tags]
        )
    row = await _read(engine, tables.tickets, ticket_id)

    loaded = ticket_from_row(row, tags, sorted(ticket.follower_ids))

    assert _fields(loaded) == {**_fields(ticket), "id": ticket_id}
    assert row["priority_rank"] == Priority.CRITICAL.rank


async def test_a_ticket_view_read_from_a_row_is_the_aggregates_view(engine: AsyncEngine) -> None:
    ticket = every_field_set()
    ticket_id = await _insert(engine, tables.tickets, ticket_to_row(ticket))
    row = await _read(engine, tables.tickets, ticket_id)

    view = ticket_view_from_row(row, sorted(ticket.tags), sorted(ticket.follower_ids))

    ticket.id = ticket_id
    assert view == TicketView.of(ticket)


async def test_a_comment_reads_back_field_for_field(engine: AsyncEngine) -> None:
    ticket_id = await _insert(engine, tables.tickets, ticket_to_row(every_field_set()))
    comment = Comment(
        id=0,
        ticket_id=ticket_id,
        author_id=7,
        author_role=Role.AGENT,
        body=CommentBody("An internal note about the printer."),
        public=False,
        created_at=_at(10),
    )
    comment_id = await _insert(engine, tables.comments, comment_to_row(comment))

    loaded = comment_from_row(await _read(engine, tables.comments, comment_id))

    assert _fields(loaded) == {**_fields(comment), "id": comment_id}


async def test_a_token_reads_back_field_for_field_with_and_without_an_address(
    engine: AsyncEngine,
) -> None:
    for email, revoked_at in ((EmailAddress("ada@example.com"), _at(12)), (None, None)):
        token = ApiToken(
            id=0,
            user_id=5,
            name="Ada's portal",
            role=Role.REQUESTER,
            email=email,
            token_hash=f"{'ab' if email else 'cd'}{'0' * 62}",
            created_at=_at(11),
            revoked_at=revoked_at,
        )
        token_id = await _insert(engine, tables.api_tokens, token_to_row(token))

        loaded = token_from_row(await _read(engine, tables.api_tokens, token_id))

        assert _fields(loaded) == {**_fields(token), "id": token_id}
