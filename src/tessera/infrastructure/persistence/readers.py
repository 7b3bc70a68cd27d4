"""Read side: list queries answered straight into views, with keyset pagination."""

from __future__ import annotations

import builtins
import dataclasses
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    exists,
    false,
    func,
    literal_column,
    or_,
    select,
    table,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.application.queries import ListTickets, SlaView, TicketSort
from tessera.application.views import TicketPage, TicketView
from tessera.domain.tickets.status import Status
from tessera.infrastructure.persistence.cursors import Cursor, decode_cursor, encode_cursor
from tessera.infrastructure.persistence.errors import database_errors
from tessera.infrastructure.persistence.mappers import ticket_view_from_row
from tessera.infrastructure.persistence.tables import ticket_followers, ticket_tags, tickets
from tessera.infrastructure.persistence.view_counts import count_in_one_statement

# Control characters (NUL above all: it ends a C string, inside an FTS5 string too, and
# PostgreSQL refuses it in text) and lone surrogates are never part of a word.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")

# What a view shows, and the sort keys a cursor names: never the search vectors, which
# would cross the wire with every row.
_VIEW_COLUMNS = tuple(
    tickets.c[name]
    for name in (
        *(
            field.name
            for field in dataclasses.fields(TicketView)
            if field.name not in {"tags", "follower_ids"}
        ),
        "priority_rank",
    )
)

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
        # Reads run outside a transaction: no BEGIN and no ROLLBACK round trip around them.
        self._reads = engine.execution_options(isolation_level="AUTOCOMMIT")
        dialect = engine.dialect.name
        self._members = (
            _members_column(ticket_tags, "tag", dialect),
            _members_column(ticket_followers, "user_id", dialect),
        )

    async def breach_candidates(self, *, now: datetime, limit: int) -> list[int]:
        statement = (
            select(tickets.c.id)
            .where(
                tickets.c.status.in_([Status.OPEN.value, Status.IN_PROGRESS.value]),
                or_(
                    and_(
                        tickets.c.first_responded_at.is_(None),
                        tickets.c.first_response_breached_at.is_(None),
                        tickets.c.first_response_due_at <= now,
                    ),
                    and_(
                        tickets.c.resolution_breached_at.is_(None),
                        tickets.c.resolution_due_at <= now,
                    ),
                ),
            )
            .order_by(tickets.c.id)
            .limit(limit)
        )
        async with database_errors(), self._engine.connect() as conn:
            return list(await conn.scalars(statement))

    async def get(self, ticket_id: int) -> TicketView | None:
        async with database_errors(), self._reads.connect() as conn:
            statement = select(*_VIEW_COLUMNS, *self._members).where(tickets.c.id == ticket_id)
            row = (await conn.execute(statement)).mappings().first()
        if row is None:
            return None
        return ticket_view_from_row(row, _gathered(row["tags"]), _gathered(row["followers"]))

    async def list(self, query: ListTickets) -> TicketPage:
        statement = list_statement(query, dialect=self._engine.dialect.name)
        async with database_errors(), self._reads.connect() as conn:
            rows = (await conn.execute(statement.add_columns(*self._members))).mappings().all()
        items = [
            ticket_view_from_row(row, _gathered(row["tags"]), _gathered(row["followers"]))
            for row in rows[: query.limit]
        ]
        if len(rows) <= query.limit:
            return TicketPage(items=items, next_cursor=None)
        last = rows[query.limit - 1]
        column = _ORDER[query.sort][0]
        next_cursor = Cursor(sort=query.sort, key=last[column.name], id=last["id"])
        return TicketPage(items=items, next_cursor=encode_cursor(next_cursor))

    async def count(
        self, queries: Sequence[ListTickets], *, up_to: int | None = None
    ) -> builtins.list[int]:
        if not queries:
            return []
        dialect = self._engine.dialect.name
        counts = [
            _count(query, dialect=dialect, up_to=up_to).label(f"count_{n}")
            for n, query in enumerate(queries)
        ]
        async with database_errors():
            return await count_in_one_statement(self._engine, counts)


def list_statement(query: ListTickets, *, dialect: str) -> Select[Any]:
    """The SELECT for one page (plus one row, to know whether another page follows).

    Raises DomainValidationError for a cursor this reader did not issue."""
    cursor = decode_cursor(query.cursor, sort=query.sort) if query.cursor else None
    statement = _conditioned(select(*_VIEW_COLUMNS), query, dialect=dialect)
    return _paged(statement, query.sort, cursor, query.limit + 1)


def _count(query: ListTickets, *, dialect: str, up_to: int | None) -> Any:
    """A scalar subquery; with ``up_to`` it reads at most that many matching rows."""
    if up_to is None:
        counted = select(func.count()).select_from(tickets)
        return _conditioned(counted, query, dialect=dialect).scalar_subquery()
    matching = _conditioned(select(tickets.c.id), query, dialect=dialect).limit(up_to)
    return select(func.count()).select_from(matching.subquery()).scalar_subquery()


def _conditioned(statement: Select[Any], query: ListTickets, *, dialect: str) -> Select[Any]:
    """Every condition of the query: the list and its count agree by construction."""
    statement = _filtered(statement, query)
    if query.group_ids is not None:
        groups = sorted(query.group_ids)
        statement = statement.where(tickets.c.group_id.in_(groups) if groups else false())
    if query.updated_after is not None:
        statement = statement.where(tickets.c.updated_at > query.updated_after)
    if query.q:
        public = query.requester_email is not None
        statement = statement.where(_text_search(query.q, dialect, public=public))
    if query.sla is not None and query.now is not None:
        statement = statement.where(_sla_condition(query.sla, query.now, query.at_risk_window))
    return statement


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
    if query.requester_email is not None:
        own = tickets.c.customer_email == query.requester_email
        shared = query.requester_organization_id
        conditions.append(own if shared is None else or_(own, tickets.c.organization_id == shared))
    if query.group_scope is not None:
        conditions.append(
            or_(
                tickets.c.group_id.in_(sorted(query.group_scope)),
                tickets.c.assignee_id == query.scope_user_id,
            )
        )
    if query.tag is not None:
        conditions.append(
            exists().where(ticket_tags.c.ticket_id == tickets.c.id, ticket_tags.c.tag == query.tag)
        )
    return statement.where(*conditions)


def _text_search(q: str, dialect: str, *, public: bool) -> ColumnElement[bool]:
    """``public``: search the customer's document (no internal notes) instead of staff's."""
    terms = _CONTROL.sub(" ", q).split()
    if not terms:
        return false()  # nothing searchable left: as an empty query, it matches nothing
    if dialect == "postgresql":
        # websearch_to_tsquery accepts any input (quotes, "or", -word) without syntax errors;
        # never to_tsquery, which parses its argument as query syntax.
        # The configuration is a constant, as in the trigger that builds the vector.
        config: ColumnElement[Any] = literal_column("'english'::regconfig")
        vector = tickets.c.public_search_vector if public else tickets.c.search_vector
        return vector.op("@@")(func.websearch_to_tsquery(config, " ".join(terms)))
    # FTS5: every word, each a quoted string so that no input is read as query syntax (in a
    # string only '"' is special, and it is doubled).
    words = " ".join('"' + term.replace('"', '""') + '"' for term in terms)
    index = "ticket_search_public" if public else "ticket_search"
    matching: Select[Any] = select(literal_column("rowid")).select_from(table(index))
    return tickets.c.id.in_(matching.where(literal_column(index).op("MATCH")(words)))


def _sla_condition(view: SlaView, now: datetime, window: timedelta) -> ColumnElement[bool]:
    def due_by(moment: datetime) -> ColumnElement[bool]:
        return or_(
            and_(tickets.c.first_responded_at.is_(None), tickets.c.first_response_due_at <= moment),
            tickets.c.resolution_due_at <= moment,
        )

    running = tickets.c.status.in_([Status.OPEN.value, Status.IN_PROGRESS.value])
    if view is SlaView.BREACHED:
        return and_(running, due_by(now))
    soon = now + window
    # At risk: nothing due yet, something due within the window. The second clause says
    # again, as ranges the partial due-date indexes serve, that a due date falls in
    # (now, soon]; it changes no answer.
    in_window = or_(
        and_(
            tickets.c.first_responded_at.is_(None),
            tickets.c.first_response_due_at > now,
            tickets.c.first_response_due_at <= soon,
        ),
        and_(tickets.c.resolution_due_at > now, tickets.c.resolution_due_at <= soon),
    )
    return and_(running, ~due_by(now), in_window)


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


def _members_column(table: Any, column: str, dialect: str) -> Any:
    """Each ticket's tags (or followers) in the ticket's own row: one statement, one trip."""
    member = table.c[column]
    gather = func.array_agg(member) if dialect == "postgresql" else func.json_group_array(member)
    label = "tags" if column == "tag" else "followers"
    return select(gather).where(table.c.ticket_id == tickets.c.id).scalar_subquery().label(label)


def _gathered(gathered: list[Any] | str | None) -> Sequence[Any]:
    """PostgreSQL gives an array (NULL for none), SQLite a JSON array."""
    if gathered is None:
        return ()
    return orjson.loads(gathered) if isinstance(gathered, str) else gathered
