"""Read side: list queries answered straight into views, with keyset pagination."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    exists,
    func,
    or_,
    select,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from tessera.application.tickets.queries import ListTickets, TicketSort
from tessera.application.tickets.views import TicketPage
from tessera.infrastructure.persistence.cursors import Cursor, decode_cursor, encode_cursor
from tessera.infrastructure.persistence.errors import database_errors
from tessera.infrastructure.persistence.mappers import ticket_view_from_row
from tessera.infrastructure.persistence.tables import ticket_tags, tickets

# sort -> (key column, key descending, id descending)
_ORDER: dict[TicketSort, tuple[Any, bool, bool]] = {
    TicketSort.CREATED_AT: (tickets.c.created_at, False, False),
    TicketSort.CREATED_AT_DESC: (tickets.c.created_at, True, True),
    TicketSort.UPDATED_AT: (tickets.c.updated_at, False, False),
    TicketSort.UPDATED_AT_DESC: (tickets.c.updated_at, True, True),
    # Most urgent first; within one priority the oldest ticket first (first come, first served).
    TicketSort.PRIORITY: (tickets.c.priority_rank, True, False),
}


class SqlAlchemyTicketReader:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def list(self, query: ListTickets) -> TicketPage:
        cursor = decode_cursor(query.cursor, sort=query.sort) if query.cursor else None
        statement = _paged(_filtered(select(tickets), query), query.sort, cursor, query.limit + 1)
        async with database_errors(), self._engine.connect() as conn:
            rows = (await conn.execute(statement)).mappings().all()
            tags = await _tags_of(conn, [row["id"] for row in rows[: query.limit]])
        items = [ticket_view_from_row(row, tags[row["id"]]) for row in rows[: query.limit]]
        if len(rows) <= query.limit:
            return TicketPage(items=items, next_cursor=None)
        last = rows[query.limit - 1]
        column = _ORDER[query.sort][0]
        next_cursor = Cursor(sort=query.sort, key=last[column.name], id=last["id"])
        return TicketPage(items=items, next_cursor=encode_cursor(next_cursor))


def _filtered(statement: Select[Any], query: ListTickets) -> Select[Any]:
    conditions: list[ColumnElement[bool]] = []
    if query.statuses:
        conditions.append(tickets.c.status.in_([s.value for s in query.statuses]))
    if query.priority is not None:
        conditions.append(tickets.c.priority == query.priority.value)
    if query.unassigned:
        conditions.append(tickets.c.assignee_id.is_(None))
    elif query.assignee_id is not None:
        conditions.append(tickets.c.assignee_id == query.assignee_id)
    if query.customer_email is not None:
        conditions.append(func.lower(tickets.c.customer_email) == query.customer_email.lower())
    if query.tag is not None:
        conditions.append(
            exists().where(ticket_tags.c.ticket_id == tickets.c.id, ticket_tags.c.tag == query.tag)
        )
    return statement.where(*conditions)


def _paged(
    statement: Select[Any], sort: TicketSort, cursor: Cursor | None, limit: int
) -> Select[Any]:
    column, key_desc, id_desc = _ORDER[sort]
    if cursor is not None:
        statement = statement.where(_after(column, key_desc, id_desc, cursor))
    return statement.order_by(
        column.desc() if key_desc else column.asc(),
        tickets.c.id.desc() if id_desc else tickets.c.id.asc(),
    ).limit(limit)


def _after(column: Any, key_desc: bool, id_desc: bool, cursor: Cursor) -> ColumnElement[bool]:
    """Rows strictly after the cursor in the sort order."""
    if key_desc == id_desc:
        # One row-value comparison: the (key, id) index serves it as a single range scan.
        row, last = tuple_(column, tickets.c.id), tuple_(_typed(column, cursor.key), cursor.id)
        return row < last if key_desc else row > last
    key_after = column < cursor.key if key_desc else column > cursor.key
    id_after = tickets.c.id < cursor.id if id_desc else tickets.c.id > cursor.id
    return or_(key_after, and_(column == cursor.key, id_after))


def _typed(column: Any, value: Any) -> Any:
    return bindparam(None, value, type_=column.type)


async def _tags_of(conn: AsyncConnection, ids: Sequence[int]) -> dict[int, list[str]]:
    tags: dict[int, list[str]] = defaultdict(list)
    if ids:
        rows = await conn.execute(
            select(ticket_tags.c.ticket_id, ticket_tags.c.tag).where(
                ticket_tags.c.ticket_id.in_(ids)
            )
        )
        for ticket_id, tag in rows:
            tags[ticket_id].append(tag)
    return tags
