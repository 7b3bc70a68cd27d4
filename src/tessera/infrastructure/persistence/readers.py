"""Read side: list queries answered straight into views, with keyset pagination.

On PostgreSQL the two hot reads (one ticket, a page of tickets) go to the driver itself:
each statement is compiled once per shape (which filters a query has, not their values) and
asyncpg prepares it once per connection, so a read is one round trip with no ORM or Core
work per row. The other reads, and every read on SQLite, run through SQLAlchemy.
"""

from __future__ import annotations

import builtins
import dataclasses
import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    any_,
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
from tessera.infrastructure.persistence.direct import direct_reads, positional
from tessera.infrastructure.persistence.errors import database_errors
from tessera.infrastructure.persistence.mappers import ticket_view_from_row
from tessera.infrastructure.persistence.tables import (
    BigId,
    ticket_followers,
    ticket_tags,
    tickets,
)
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

# How many list queries' values are kept (see SqlAlchemyTicketReader._planned).
_PLANS = 1024

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
        self._direct = dialect == "postgresql"
        # shape -> (SQL text with $n parameters, the parameters' names in order)
        self._compiled: dict[tuple[Any, ...], tuple[str, tuple[str, ...]]] = {}
        # list query -> (its shape, its values)
        self._plans: dict[ListTickets, tuple[tuple[Any, ...], dict[str, Any]]] = {}

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
        row: Any
        if self._direct:
            rows = await self._fetch(("get",), self._by_id, {"id": ticket_id})
            row = rows[0] if rows else None
        else:
            async with database_errors(), self._reads.connect() as conn:
                statement = select(*_VIEW_COLUMNS, *self._members).where(tickets.c.id == ticket_id)
                row = (await conn.execute(statement)).mappings().first()
        if row is None:
            return None
        return ticket_view_from_row(row, _gathered(row["tags"]), _gathered(row["followers"]))

    async def list(self, query: ListTickets) -> TicketPage:
        rows: Sequence[Any]
        dialect = self._engine.dialect.name
        if self._direct:
            shape, values = self._planned(query)
            rows = await self._fetch(shape, lambda: self._list_statement(query), values)
        else:
            statement = list_statement(query, dialect=dialect)
            async with database_errors(), self._reads.connect() as conn:
                result = await conn.execute(statement.add_columns(*self._members))
                rows = result.mappings().all()
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

    def _planned(self, query: ListTickets) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """(shape, values) of a list query's statement. The statement is built to find them
        once per distinct query (the same view asked again, by anyone, builds nothing)."""
        # The use case stamps every query with the time it was asked; only the SLA filters
        # read it, so without them the moment is no part of the plan.
        key = query if query.sla is not None else dataclasses.replace(query, now=None)
        planned = self._plans.get(key)
        if planned is None:
            binds = Binds(named=True)
            list_statement(query, dialect="postgresql", binds=binds)
            planned = (("list", query.sort, *binds.shape), binds.values)
            if key.now is None and key.updated_after is None:  # else never asked again
                if len(self._plans) >= _PLANS:  # bounded: the oldest goes first
                    del self._plans[next(iter(self._plans))]
                self._plans[key] = planned
        return planned

    def _list_statement(self, query: ListTickets) -> Select[Any]:
        binds = Binds(named=True)
        return list_statement(query, dialect="postgresql", binds=binds).add_columns(*self._members)

    def _by_id(self) -> Select[Any]:
        return select(*_VIEW_COLUMNS, *self._members).where(
            tickets.c.id == bindparam("id", type_=BigId)
        )

    async def _fetch(
        self,
        shape: tuple[Any, ...],
        statement: Callable[[], Select[Any]],
        values: dict[str, Any],
    ) -> builtins.list[Any]:
        """The rows of ``statement`` (whose SQL depends only on ``shape``: it is compiled once
        per shape, and is built only for that), read by asyncpg on a connection of the direct
        pool, outside a transaction; the driver prepares each statement once per connection."""
        compiled = self._compiled.get(shape)
        if compiled is None:
            compiled = positional(statement(), self._engine)
            # Every value is a named parameter of Binds: none is part of the statement.
            assert set(compiled[1]) <= set(values), compiled[1]
            self._compiled[shape] = compiled
        text, names = compiled
        return await direct_reads(self._engine).fetch(text, *[values[name] for name in names])


class Binds:
    """How a statement takes the values of a query.

    Inline (the default): as literals of the statement, which SQLAlchemy compiles and runs.
    Named: as parameters named after what they hold, collected in ``values``; the SQL then
    depends only on which parameters (and value-less conditions, in ``shape``) a query has,
    never on their values, and is compiled once per shape. Lists become one array parameter
    (``= ANY($n)``, PostgreSQL only), so that their length is no part of the shape either.
    """

    def __init__(self, *, named: bool = False) -> None:
        self.named = named
        self.values: dict[str, Any] = {}
        self.shape: builtins.list[str] = []

    def __call__(self, name: str, value: Any, type_: Any) -> Any:
        if value is None:  # "= NULL" matches nothing, "IS NULL" is another statement
            if self.named:
                self.mark(f"{name}:null")
            return None
        if not self.named:
            return bindparam(None, value, type_=type_)
        self.values[name] = value
        self.shape.append(name)
        return bindparam(name, type_=type_)

    def members(self, column: Any, name: str, values: Sequence[Any]) -> ColumnElement[bool]:
        """``column`` is one of ``values`` (ids, any number of them)."""
        if not self.named:
            return column.in_(values)  # type: ignore[no-any-return]
        return column == any_(self(name, builtins.list(values), ARRAY(column.type)))  # type: ignore[no-any-return]

    def each(self, column: Any, name: str, values: Sequence[Any]) -> ColumnElement[bool]:
        """``column`` is one of a few ``values`` (statuses): one parameter each, so that the
        planner sees ``IN ($1)`` as ``= $1`` and walks the (column, sort key) index in order,
        which it does not for ``= ANY($1)``."""
        if not self.named:
            return column.in_(values)  # type: ignore[no-any-return]
        distinct = builtins.list(dict.fromkeys(values))
        return column.in_(  # type: ignore[no-any-return]
            [self(f"{name}_{n}", value, column.type) for n, value in enumerate(distinct)]
        )

    def mark(self, condition: str) -> None:
        """A condition without a value that changes the statement."""
        self.shape.append(condition)


def list_statement(query: ListTickets, *, dialect: str, binds: Binds | None = None) -> Select[Any]:
    """The SELECT for one page (plus one row, to know whether another page follows).

    Raises DomainValidationError for a cursor this reader did not issue."""
    binds = binds or Binds()
    cursor = decode_cursor(query.cursor, sort=query.sort) if query.cursor else None
    statement = _conditioned(select(*_VIEW_COLUMNS), query, dialect=dialect, binds=binds)
    return _paged(statement, query.sort, cursor, query.limit + 1, binds)


def _count(query: ListTickets, *, dialect: str, up_to: int | None) -> Any:
    """A scalar subquery; with ``up_to`` it reads at most that many matching rows."""
    if up_to is None:
        counted = select(func.count()).select_from(tickets)
        return _conditioned(counted, query, dialect=dialect, binds=Binds()).scalar_subquery()
    matching = _conditioned(select(tickets.c.id), query, dialect=dialect, binds=Binds())
    matching = matching.limit(up_to)
    return select(func.count()).select_from(matching.subquery()).scalar_subquery()


def _conditioned(
    statement: Select[Any], query: ListTickets, *, dialect: str, binds: Binds
) -> Select[Any]:
    """Every condition of the query: the list and its count agree by construction."""
    statement = _filtered(statement, query, binds)
    if query.group_ids is not None:
        groups = sorted(query.group_ids)
        if groups:
            statement = statement.where(binds.members(tickets.c.group_id, "group_ids", groups))
        else:
            binds.mark("no_groups")
            statement = statement.where(false())
    if query.updated_after is not None:
        after = binds("updated_after", query.updated_after, tickets.c.updated_at.type)
        statement = statement.where(tickets.c.updated_at > after)
    if query.q:
        public = query.requester_email is not None
        statement = statement.where(_text_search(query.q, dialect, binds, public=public))
    if query.sla is not None and query.now is not None:
        statement = statement.where(
            _sla_condition(query.sla, query.now, query.at_risk_window, binds)
        )
    return statement


def _filtered(statement: Select[Any], query: ListTickets, binds: Binds) -> Select[Any]:
    conditions: list[ColumnElement[bool]] = []
    if query.statuses:
        statuses = [s.value for s in query.statuses]
        conditions.append(binds.each(tickets.c.status, "statuses", statuses))
    if query.priority is not None:
        priority = binds("priority", query.priority.value, tickets.c.priority.type)
        conditions.append(tickets.c.priority == priority)
    if query.unassigned:
        binds.mark("unassigned")
        conditions.append(tickets.c.assignee_id.is_(None))
    elif query.assignee_id is not None:
        conditions.append(tickets.c.assignee_id == binds("assignee_id", query.assignee_id, BigId))
    if query.customer_email is not None:
        email = binds("customer_email", query.customer_email.lower(), tickets.c.customer_email.type)
        conditions.append(func.lower(tickets.c.customer_email) == email)
    if query.requester_email is not None:
        requester = binds("requester_email", query.requester_email, tickets.c.customer_email.type)
        own = tickets.c.customer_email == requester
        shared = query.requester_organization_id
        if shared is not None:
            shared = binds("requester_organization_id", shared, BigId)
        conditions.append(own if shared is None else or_(own, tickets.c.organization_id == shared))
    if query.group_scope is not None:
        conditions.append(
            or_(
                binds.members(tickets.c.group_id, "group_scope", sorted(query.group_scope)),
                tickets.c.assignee_id == binds("scope_user_id", query.scope_user_id, BigId),
            )
        )
    if query.tag is not None:
        tag = binds("tag", query.tag, ticket_tags.c.tag.type)
        conditions.append(
            exists().where(ticket_tags.c.ticket_id == tickets.c.id, ticket_tags.c.tag == tag)
        )
    return statement.where(*conditions)


def _text_search(q: str, dialect: str, binds: Binds, *, public: bool) -> ColumnElement[bool]:
    """``public``: search the customer's document (no internal notes) instead of staff's."""
    terms = _CONTROL.sub(" ", q).split()
    if not terms:
        binds.mark("no_terms")
        return false()  # nothing searchable left: as an empty query, it matches nothing
    if dialect == "postgresql":
        # websearch_to_tsquery accepts any input (quotes, "or", -word) without syntax errors;
        # never to_tsquery, which parses its argument as query syntax.
        # The configuration is a constant, as in the trigger that builds the vector.
        config: ColumnElement[Any] = literal_column("'english'::regconfig")
        vector = tickets.c.public_search_vector if public else tickets.c.search_vector
        words = binds("public_q" if public else "q", " ".join(terms), String())
        return vector.op("@@")(func.websearch_to_tsquery(config, words))
    # FTS5: every word, each a quoted string so that no input is read as query syntax (in a
    # string only '"' is special, and it is doubled).
    words = " ".join('"' + term.replace('"', '""') + '"' for term in terms)
    index = "ticket_search_public" if public else "ticket_search"
    matching: Select[Any] = select(literal_column("rowid")).select_from(table(index))
    return tickets.c.id.in_(matching.where(literal_column(index).op("MATCH")(words)))


def _sla_condition(
    view: SlaView, at: datetime, window: timedelta, binds: Binds
) -> ColumnElement[bool]:
    moment_type = tickets.c.resolution_due_at.type

    def due_by(moment: Any) -> ColumnElement[bool]:
        return or_(
            and_(tickets.c.first_responded_at.is_(None), tickets.c.first_response_due_at <= moment),
            tickets.c.resolution_due_at <= moment,
        )

    running = binds.each(tickets.c.status, "running", [Status.OPEN.value, Status.IN_PROGRESS.value])
    if view is SlaView.BREACHED:
        return and_(running, due_by(binds("breached_at", at, moment_type)))
    now = binds("at_risk_now", at, moment_type)
    soon = binds("at_risk_until", at + window, moment_type)
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
    statement: Select[Any], sort: TicketSort, cursor: Cursor | None, limit: int, binds: Binds
) -> Select[Any]:
    column, key_desc, id_desc = _ORDER[sort]
    if cursor is not None:
        statement = statement.where(_after(column, key_desc, id_desc, cursor, binds))
    return statement.order_by(
        column.desc() if key_desc else column.asc(),
        tickets.c.id.desc() if id_desc else tickets.c.id.asc(),
    ).limit(binds("limit", limit, Integer()))


def _after(
    column: Any, key_desc: bool, id_desc: bool, cursor: Cursor, binds: Binds
) -> ColumnElement[bool]:
    """Rows strictly after the cursor in the sort order."""
    key = binds("cursor_key", cursor.key, column.type)
    last_id = binds("cursor_id", cursor.id, BigId)
    if key_desc == id_desc:
        # One row-value comparison: the (key, id) index serves it as a single range scan.
        row, last = tuple_(column, tickets.c.id), tuple_(key, last_id)
        return row < last if key_desc else row > last
    key_after = column < key if key_desc else column > key
    id_after = tickets.c.id < last_id if id_desc else tickets.c.id > last_id
    return or_(key_after, and_(column == key, id_after))


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
