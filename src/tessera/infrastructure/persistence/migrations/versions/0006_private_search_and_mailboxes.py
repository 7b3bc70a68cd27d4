"""private search and mailboxes: the customer's own search document, one spelling per address

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 23:00:00

A requester's full-text search must match only what the requester may read, so each ticket
gets a second document without internal notes: on PostgreSQL ``public_search_vector`` (GIN,
filled by the same trigger as ``search_vector``), on SQLite the FTS5 table
``ticket_search_public``. A requester's tickets are matched by exact address (indexed).
Addresses are brought to the normal form of ``parse_email`` (NFC, domain lower-cased), and
``mailboxes`` records the first spelling of each look-alike key.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_VECTORS = """
        NEW.search_vector :=
            setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A')
            || setweight(to_tsvector('english', coalesce(NEW.description, '')), 'B')
            || setweight(to_tsvector('english', coalesce(
                (SELECT string_agg(body, ' ') FROM comments WHERE ticket_id = NEW.id), '')), 'C');
"""
_PUBLIC_VECTOR = """
        NEW.public_search_vector :=
            setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A')
            || setweight(to_tsvector('english', coalesce(NEW.description, '')), 'B')
            || setweight(to_tsvector('english', coalesce(
                (SELECT string_agg(body, ' ') FROM comments
                 WHERE ticket_id = NEW.id AND public), '')), 'C');
"""


def _search_function(body: str) -> str:
    return (
        "CREATE OR REPLACE FUNCTION tickets_search_vector() RETURNS trigger "
        f"LANGUAGE plpgsql AS $$\n    BEGIN{body}        RETURN NEW;\n    END $$"
    )


POSTGRES_UP = [
    _search_function(_VECTORS + _PUBLIC_VECTOR),
    "UPDATE tickets SET search_vector = NULL",  # the trigger fills both documents
]
POSTGRES_DOWN = [_search_function(_VECTORS)]

SQLITE_UP = [
    """
    CREATE VIRTUAL TABLE ticket_search_public USING fts5(
        title, description, comments, tokenize = 'porter unicode61'
    )
    """,
    """
    CREATE TRIGGER tickets_search_public_insert AFTER INSERT ON tickets BEGIN
        INSERT INTO ticket_search_public (rowid, title, description, comments)
        VALUES (NEW.id, NEW.title, NEW.description, '');
    END
    """,
    """
    CREATE TRIGGER tickets_search_public_update AFTER UPDATE OF title, description ON tickets
    BEGIN
        UPDATE ticket_search_public SET title = NEW.title, description = NEW.description
        WHERE rowid = NEW.id;
    END
    """,
    """
    CREATE TRIGGER tickets_search_public_delete AFTER DELETE ON tickets BEGIN
        DELETE FROM ticket_search_public WHERE rowid = OLD.id;
    END
    """,
    """
    CREATE TRIGGER comments_search_public_insert AFTER INSERT ON comments WHEN NEW.public
    BEGIN
        UPDATE ticket_search_public
        SET comments = (
            SELECT group_concat(body, ' ') FROM comments
            WHERE ticket_id = NEW.ticket_id AND public
        )
        WHERE rowid = NEW.ticket_id;
    END
    """,
    """
    INSERT INTO ticket_search_public (rowid, title, description, comments)
    SELECT id, title, description, coalesce(
        (SELECT group_concat(body, ' ') FROM comments
         WHERE comments.ticket_id = tickets.id AND public), ''
    )
    FROM tickets
    """,
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS comments_search_public_insert",
    "DROP TRIGGER IF EXISTS tickets_search_public_delete",
    "DROP TRIGGER IF EXISTS tickets_search_public_update",
    "DROP TRIGGER IF EXISTS tickets_search_public_insert",
    "DROP TABLE IF EXISTS ticket_search_public",
]

# (table, address column): tokens first, so that a requester's token keeps its spelling.
_ADDRESSES = (("api_tokens", "email"), ("tickets", "customer_email"))


def upgrade() -> None:
    op.add_column(
        "tickets",
        sa.Column(
            "public_search_vector",
            sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql"),
            nullable=True,
        ),
    )
    op.create_index(
        "ix_tickets_public_search_vector",
        "tickets",
        ["public_search_vector"],
        postgresql_using="gin",
    )
    op.create_index("ix_tickets_customer_email", "tickets", ["customer_email"])
    for statement in POSTGRES_UP if _postgres() else SQLITE_UP:
        op.execute(statement)
    mailboxes = op.create_table(
        "mailboxes",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_mailboxes")),
    )
    _normalise_addresses()
    _register_addresses(mailboxes)


def downgrade() -> None:
    op.drop_table("mailboxes")
    for statement in POSTGRES_DOWN if _postgres() else SQLITE_DOWN:
        op.execute(statement)
    op.drop_index("ix_tickets_customer_email", table_name="tickets")
    op.drop_index("ix_tickets_public_search_vector", table_name="tickets")
    op.drop_column("tickets", "public_search_vector")


def _normal(address: str) -> str:
    """``parse_email``'s normal form, as of this revision."""
    value = unicodedata.normalize("NFC", address.strip())
    local, _, domain = value.rpartition("@")
    return f"{local}@{unicodedata.normalize('NFC', domain.lower())}"


def _key(address: str) -> str:
    """The stored look-alike key (``mailbox_key`` and its digest), as of this revision."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", address).casefold())
    kept = "".join(c for c in folded if unicodedata.category(c) != "Cf")
    return hashlib.sha256(kept.encode()).hexdigest()


def _normalise_addresses() -> None:
    bind = op.get_bind()
    for table, column in _ADDRESSES:
        known = bind.execute(
            sa.text(f"SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL")  # noqa: S608
        ).scalars()
        for address in list(known):
            if (normal := _normal(address)) != address:
                bind.execute(
                    sa.text(f"UPDATE {table} SET {column} = :new WHERE {column} = :old"),  # noqa: S608
                    {"new": normal, "old": address},
                )


def _register_addresses(mailboxes: sa.Table | None) -> None:
    """The first spelling of each key holds it; look-alikes already stored keep their own
    tickets (ownership is exact) but cannot be reused for new ones."""
    assert mailboxes is not None
    bind = op.get_bind()
    held: dict[str, str] = {}
    for table, column in _ADDRESSES:
        rows = bind.execute(
            sa.text(
                f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL "  # noqa: S608
                f"GROUP BY {column} ORDER BY min(id)"
            )
        ).scalars()
        for address in rows:
            held.setdefault(_key(address), address)
    if held:
        bind.execute(sa.insert(mailboxes), [{"key": k, "address": a} for k, a in held.items()])


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"
