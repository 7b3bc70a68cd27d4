"""INSERT ... ON CONFLICT DO NOTHING for the dialects Tessera runs on."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert


def insert_ignoring_duplicates(table: Table, *, dialect: str) -> Insert:
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


def insert_or_increment(
    table: Table, *, dialect: str, keys: tuple[str, ...], counter: str
) -> Insert:
    """Insert the row (its counter as given), or add 1 to the counter of the row with the
    same keys; either way RETURNING the counter. The row's lock orders concurrent writers."""
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    bumped: ColumnElement[int] = table.c[counter] + 1
    return insert.on_conflict_do_update(
        index_elements=list(keys), set_={counter: bumped}
    ).returning(table.c[counter])
