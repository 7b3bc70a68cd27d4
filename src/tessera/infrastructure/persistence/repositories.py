"""SQLAlchemy repositories: optimistic, version-guarded writes on one connection."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Collection, Sequence
from typing import Any

import asyncpg
from sqlalchemy import CursorResult, RowMapping, Table, delete, func, insert, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.expression import Executable

from tessera.application.errors import ConflictError
from tessera.domain.access.tokens import ApiToken
from tessera.domain.comments.comment import Comment
from tessera.domain.tickets.status import Status
from tessera.domain.tickets.ticket import Ticket
from tessera.infrastructure.persistence.driver import DriverStatement
from tessera.infrastructure.persistence.errors import is_sqlite_lock
from tessera.infrastructure.persistence.mappers import (
    comment_from_row,
    comment_to_row,
    ticket_from_row,
    ticket_to_row,
    token_from_row,
    token_to_row,
)
from tessera.infrastructure.persistence.tables import (
    api_tokens,
    comments,
    ticket_followers,
    ticket_tags,
    tickets,
)

ConnectionSource = Callable[[], Awaitable[AsyncConnection]]
# The driver's connection under it, in the same transaction (None where there is none).
DriverSource = Callable[[], Awaitable[asyncpg.Connection | None]]


async def no_driver() -> None:
    return None


_INSERT_TICKET = DriverStatement(insert(tickets).returning(tickets.c.id))


class SqlAlchemyTicketRepository:
    def __init__(self, connection: ConnectionSource, *, driver: DriverSource = no_driver) -> None:
        self._connection = connection
        self._driver = driver
        self._seen: dict[int, Ticket] = {}
        # What was loaded, to guard the write (version) and to skip unchanged tags/followers.
        self._loaded: dict[int, tuple[int, frozenset[str], frozenset[int]]] = {}

    async def get(self, ticket_id: int) -> Ticket | None:
        conn = await self._connection()
        row = (await conn.execute(select(tickets).where(tickets.c.id == ticket_id))).first()
        if row is None:
            return None
        return (await self._tracked(conn, [row._mapping]))[0]

    async def get_for_update(self, ticket_ids: Collection[int]) -> dict[int, Ticket]:
        if not ticket_ids:
            return {}
        conn = await self._connection()
        # One statement, ordered by id: every unit of work takes its rows in the same order.
        rows = await conn.execute(
            select(tickets)
            .where(tickets.c.id.in_(set(ticket_ids)))
            .order_by(tickets.c.id)
            .with_for_update()
        )
        return {t.id: t for t in await self._tracked(conn, rows.mappings().all())}

    async def find_by_status(self, status: Status, *, limit: int) -> list[Ticket]:
        conn = await self._connection()
        rows = await conn.execute(
            select(tickets)
            .where(tickets.c.status == status.value)
            .order_by(tickets.c.id)
            .limit(limit)
        )
        return await self._tracked(conn, rows.mappings().all())

    async def add(self, ticket: Ticket) -> None:
        conn = await self._connection()
        # The row as parameters of one statement (compiled once), not as values built into
        # a new statement per ticket.
        row = await _INSERT_TICKET.row(conn, await self._driver(), ticket_to_row(ticket))
        assert row is not None
        ticket.id = int(row["id"])
        await _write_set(conn, ticket_tags, "tag", ticket.id, old=frozenset(), new=ticket.tags)
        await _write_set(
            conn, ticket_followers, "user_id", ticket.id, old=frozenset(), new=ticket.follower_ids
        )
        self._track(ticket)

    async def save(self, ticket: Ticket) -> None:
        conn = await self._connection()
        loaded_version, loaded_tags, loaded_followers = self._loaded[ticket.id]
        await _guarded(
            conn,
            ticket.id,
            update(tickets)
            .where(tickets.c.id == ticket.id, tickets.c.version == loaded_version)
            .values(**ticket_to_row(ticket)),
        )
        await _write_set(conn, ticket_tags, "tag", ticket.id, old=loaded_tags, new=ticket.tags)
        await _write_set(
            conn,
            ticket_followers,
            "user_id",
            ticket.id,
            old=loaded_followers,
            new=ticket.follower_ids,
        )
        self._track(ticket)

    async def delete(self, ticket: Ticket) -> None:
        conn = await self._connection()
        loaded_version, _, _ = self._loaded[ticket.id]
        await _guarded(
            conn,
            ticket.id,
            delete(tickets).where(tickets.c.id == ticket.id, tickets.c.version == loaded_version),
        )

    def seen(self) -> list[Ticket]:
        return list(self._seen.values())

    async def _tracked(self, conn: AsyncConnection, rows: Sequence[RowMapping]) -> list[Ticket]:
        """Tickets from their rows, with their tags and followers (one query each)."""
        ids = [row["id"] for row in rows]
        tags = await members_of(conn, ticket_tags, "tag", ids)
        followers = await members_of(conn, ticket_followers, "user_id", ids)
        return [
            self._track(ticket_from_row(row, tags[row["id"]], followers[row["id"]])) for row in rows
        ]

    def _track(self, ticket: Ticket) -> Ticket:
        self._seen[ticket.id] = ticket
        self._loaded[ticket.id] = (ticket.version, ticket.tags, ticket.follower_ids)
        return ticket


async def members_of(
    conn: AsyncConnection, table: Table, column: str, ticket_ids: Sequence[int]
) -> defaultdict[int, list[Any]]:
    """``column`` of ``table``'s rows for each of ``ticket_ids`` (a ticket's set-valued field)."""
    found: defaultdict[int, list[Any]] = defaultdict(list)
    if ticket_ids:
        rows = await conn.execute(
            select(table.c.ticket_id, table.c[column])
            .where(table.c.ticket_id.in_(ticket_ids))
            .order_by(table.c.ticket_id, table.c[column])
        )
        for ticket_id, value in rows.all():
            found[ticket_id].append(value)
    return found


async def _write_set(
    conn: AsyncConnection,
    table: Table,
    column: str,
    ticket_id: int,
    *,
    old: frozenset[Any],
    new: frozenset[Any],
) -> None:
    if removed := old - new:
        await conn.execute(
            delete(table).where(table.c.ticket_id == ticket_id, table.c[column].in_(removed))
        )
    if added := new - old:
        await conn.execute(
            insert(table), [{"ticket_id": ticket_id, column: value} for value in sorted(added)]
        )


class SqlAlchemyCommentRepository:
    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    async def add(self, comment: Comment) -> None:
        conn = await self._connection()
        result = await conn.execute(insert(comments).values(**comment_to_row(comment)))
        comment.id = new_id(result)

    async def thread(
        self, ticket_id: int, *, public_only: bool, after_id: int, limit: int
    ) -> list[Comment]:
        conn = await self._connection()
        merged = select(tickets.c.id).where(tickets.c.merged_into_id == ticket_id)
        if public_only:
            target = tickets.alias("target")
            customer = select(target.c.customer_email).where(target.c.id == ticket_id)
            merged = merged.where(tickets.c.customer_email == customer.scalar_subquery())
        statement = select(comments).where(
            or_(comments.c.ticket_id == ticket_id, comments.c.ticket_id.in_(merged)),
            comments.c.id > after_id,
        )
        if public_only:
            statement = statement.where(comments.c.public.is_(True))
        rows = await conn.execute(statement.order_by(comments.c.id).limit(limit))
        return [comment_from_row(row) for row in rows.mappings().all()]


class SqlAlchemyTokenRepository:
    def __init__(self, connection: ConnectionSource) -> None:
        self._connection = connection

    async def add(self, token: ApiToken) -> None:
        conn = await self._connection()
        result = await conn.execute(insert(api_tokens).values(**token_to_row(token)))
        token.id = new_id(result)

    async def get(self, token_id: int) -> ApiToken | None:
        conn = await self._connection()
        row = (await conn.execute(select(api_tokens).where(api_tokens.c.id == token_id))).first()
        return token_from_row(row._mapping) if row else None

    async def get_by_hash(self, token_hash: str) -> ApiToken | None:
        conn = await self._connection()
        row = (
            await conn.execute(select(api_tokens).where(api_tokens.c.token_hash == token_hash))
        ).first()
        return token_from_row(row._mapping) if row else None

    async def list(self, *, after_id: int, limit: int) -> list[ApiToken]:
        conn = await self._connection()
        rows = await conn.execute(
            select(api_tokens)
            .where(api_tokens.c.id > after_id)
            .order_by(api_tokens.c.id)
            .limit(limit)
        )
        return [token_from_row(row) for row in rows.mappings().all()]

    async def save(self, token: ApiToken) -> None:
        conn = await self._connection()
        await conn.execute(
            update(api_tokens).where(api_tokens.c.id == token.id).values(**token_to_row(token))
        )

    async def count(self) -> int:
        conn = await self._connection()
        return int(await conn.scalar(select(func.count()).select_from(api_tokens)) or 0)


def new_id(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


async def _guarded(conn: AsyncConnection, ticket_id: int, statement: Executable) -> None:
    """Run a version-guarded write; no row touched (or, on SQLite, a stale snapshot) means
    another writer got there first."""
    try:
        result = await conn.execute(statement)
    except OperationalError as error:
        if not is_sqlite_lock(error):
            raise
        raise ConflictError(f"Ticket {ticket_id} was changed by someone else") from error
    if result.rowcount != 1:
        raise ConflictError(f"Ticket {ticket_id} was changed by someone else")
