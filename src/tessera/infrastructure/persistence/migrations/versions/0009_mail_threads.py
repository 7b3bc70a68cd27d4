"""mail threads: a thread per ticket, and each queued mail's Message-ID and thread headers

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 03:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "mail_threads",
        sa.Column("ticket_id", BigId, autoincrement=False, nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("root_message_id", sa.String(length=400), nullable=False),
        sa.Column("last_message_id", sa.String(length=400), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_mail_threads")),
    )
    op.create_index("ix_mail_threads_token", "mail_threads", ["token"], unique=True)
    with op.batch_alter_table("outgoing_mail") as batch:
        batch.add_column(sa.Column("ticket_id", BigId, nullable=True))
        batch.add_column(sa.Column("message_id", sa.String(length=400), nullable=True))
        batch.add_column(sa.Column("in_reply_to", sa.String(length=400), nullable=True))
        batch.add_column(sa.Column("reference_ids", sa.Text(), nullable=True))
        batch.add_column(sa.Column("reply_to", sa.String(length=254), nullable=True))
        batch.create_index("ix_outgoing_mail_message_id", ["message_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("outgoing_mail") as batch:
        batch.drop_index("ix_outgoing_mail_message_id")
        for column in ("reply_to", "reference_ids", "in_reply_to", "message_id", "ticket_id"):
            batch.drop_column(column)
    op.drop_table("mail_threads")
