"""mail intake: the mailboxes the inbound channel reads and the messages they received

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 04:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)
Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "inbound_mailboxes",
        sa.Column("id", BigId, sa.Identity(), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("group_id", BigId, nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("host", sa.String(length=253), nullable=True),
        sa.Column("port", sa.Integer(), nullable=True),
        sa.Column("tls", sa.String(length=10), nullable=True),
        sa.Column("imap_user", sa.String(length=254), nullable=True),
        sa.Column("imap_password", sa.String(length=1024), nullable=True),
        sa.Column("folder", sa.String(length=200), nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_mailboxes")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_inbound_mailboxes_address", "inbound_mailboxes", ["address"], unique=True)
    op.create_table(
        "inbound_messages",
        sa.Column("id", BigId, sa.Identity(), nullable=False),
        sa.Column("mailbox_id", BigId, nullable=False),
        sa.Column("dedup_key", sa.String(length=400), nullable=True),
        sa.Column("message_id", sa.String(length=400), nullable=True),
        sa.Column("sender", sa.String(length=254), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=True),
        sa.Column("received_at", When, nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("outcome", sa.String(length=30), nullable=True),
        sa.Column("ticket_id", BigId, nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("details", Json, nullable=True),
        sa.Column("holder", sa.String(length=200), nullable=True),
        sa.Column("lease_until", When, nullable=True),
        sa.Column("processed_at", When, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_messages")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_inbound_messages_mailbox_id_dedup_key",
        "inbound_messages",
        ["mailbox_id", "dedup_key"],
        unique=True,
    )
    op.create_index("ix_inbound_messages_mailbox_id_id", "inbound_messages", ["mailbox_id", "id"])
    op.create_index("ix_inbound_messages_message_id", "inbound_messages", ["message_id"])
    op.create_index(
        "ix_inbound_messages_waiting",
        "inbound_messages",
        ["id"],
        postgresql_where=sa.text("outcome IS NULL"),
        sqlite_where=sa.text("outcome IS NULL"),
    )


def downgrade() -> None:
    op.drop_table("inbound_messages")
    op.drop_table("inbound_mailboxes")
