"""helpdesk: comments, merge, SLA pause and breach bookkeeping, full-text search

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 00:10:00

Full text covers title, description and every comment of a ticket, and the database keeps
it current by itself: on PostgreSQL a weighted ``tsvector`` column with a GIN index, filled
by triggers on tickets and comments; on SQLite an FTS5 table filled by triggers.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)

POSTGRES_UP = [
    """
    CREATE FUNCTION tickets_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_vector :=
            setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A')
            || setweight(to_tsvector('english', coalesce(NEW.description, '')), 'B')
            || setweight(to_tsvector('english', coalesce(
                (SELECT string_agg(body, ' ') FROM comments WHERE ticket_id = NEW.id), '')), 'C');
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER tickets_search_vector
    BEFORE INSERT OR UPDATE OF title, description, search_vector ON tickets
    FOR EACH ROW EXECUTE FUNCTION tickets_search_vector()
    """,
    """
    CREATE FUNCTION comments_refresh_search() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE tickets SET search_vector = NULL
        WHERE id = (CASE WHEN TG_OP = 'DELETE' THEN OLD.ticket_id ELSE NEW.ticket_id END);
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER comments_refresh_search
    AFTER INSERT OR UPDATE OR DELETE ON comments
    FOR EACH ROW EXECUTE FUNCTION comments_refresh_search()
    """,
    "UPDATE tickets SET search_vector = NULL",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS comments_refresh_search ON comments",
    "DROP FUNCTION IF EXISTS comments_refresh_search()",
    "DROP TRIGGER IF EXISTS tickets_search_vector ON tickets",
    "DROP FUNCTION IF EXISTS tickets_search_vector()",
]

SQLITE_UP = [
    """
    CREATE VIRTUAL TABLE ticket_search USING fts5(
        title, description, comments, tokenize = 'porter unicode61'
    )
    """,
    """
    CREATE TRIGGER tickets_search_insert AFTER INSERT ON tickets BEGIN
        INSERT INTO ticket_search (rowid, title, description, comments)
        VALUES (NEW.id, NEW.title, NEW.description, '');
    END
    """,
    """
    CREATE TRIGGER tickets_search_update AFTER UPDATE OF title, description ON tickets BEGIN
        UPDATE ticket_search SET title = NEW.title, description = NEW.description
        WHERE rowid = NEW.id;
    END
    """,
    """
    CREATE TRIGGER tickets_search_delete AFTER DELETE ON tickets BEGIN
        DELETE FROM ticket_search WHERE rowid = OLD.id;
    END
    """,
    """
    CREATE TRIGGER comments_search_insert AFTER INSERT ON comments BEGIN
        UPDATE ticket_search
        SET comments = (
            SELECT group_concat(body, ' ') FROM comments WHERE ticket_id = NEW.ticket_id
        )
        WHERE rowid = NEW.ticket_id;
    END
    """,
    """
    INSERT INTO ticket_search (rowid, title, description, comments)
    SELECT id, title, description, '' FROM tickets
    """,
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS comments_search_insert",
    "DROP TRIGGER IF EXISTS tickets_search_delete",
    "DROP TRIGGER IF EXISTS tickets_search_update",
    "DROP TRIGGER IF EXISTS tickets_search_insert",
    "DROP TABLE IF EXISTS ticket_search",
]


def upgrade() -> None:
    # Plain ALTERs (no batch copy on SQLite): new nullable or defaulted columns only.
    for column in (
        sa.Column("merged_into_id", BigId, nullable=True),
        sa.Column("paused_at", When, nullable=True),
        sa.Column("paused_seconds", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("first_response_breached_at", When, nullable=True),
        sa.Column("resolution_breached_at", When, nullable=True),
        sa.Column(
            "search_vector",
            sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql"),
            nullable=True,
        ),
    ):
        op.add_column("tickets", column)
    op.create_index("ix_tickets_merged_into_id", "tickets", ["merged_into_id"])
    op.create_index(
        "ix_tickets_search_vector", "tickets", ["search_vector"], postgresql_using="gin"
    )
    op.create_table(
        "comments",
        sa.Column("id", BigId, sa.Identity(), nullable=False),
        sa.Column("ticket_id", BigId, nullable=False),
        sa.Column("author_id", BigId, nullable=False),
        sa.Column("author_role", sa.String(length=20), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_comments_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_comments_ticket_id_id", "comments", ["ticket_id", "id"])
    for statement in POSTGRES_UP if _postgres() else SQLITE_UP:
        op.execute(statement)


def downgrade() -> None:
    for statement in POSTGRES_DOWN if _postgres() else SQLITE_DOWN:
        op.execute(statement)
    op.drop_index("ix_comments_ticket_id_id", table_name="comments")
    op.drop_table("comments")
    op.drop_index("ix_tickets_search_vector", table_name="tickets")
    op.drop_index("ix_tickets_merged_into_id", table_name="tickets")
    for column in (
        "search_vector",
        "resolution_breached_at",
        "first_response_breached_at",
        "paused_seconds",
        "paused_at",
        "merged_into_id",
    ):
        op.drop_column("tickets", column)


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"
