"""people events: the outbox names each event's subject (a ticket, a user, an organization,
a group), with a sequence per subject; the last sequence of each people subject

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# SQLite rebuilds the table for some changes; its ids must stay never reused.
_KEEP_AUTOINCREMENT: dict[str, Any] = {"table_kwargs": {"sqlite_autoincrement": True}}


def upgrade() -> None:
    with op.batch_alter_table("outbox", **_KEEP_AUTOINCREMENT) as batch:
        batch.add_column(
            sa.Column(
                "subject_kind",
                sa.String(length=20),
                nullable=False,
                server_default=sa.text("'ticket'"),
            )
        )
        batch.add_column(sa.Column("subject_id", BigId, nullable=True))
    # Every event so far is a ticket's: its subject is the ticket, its sequence stays.
    op.execute("UPDATE outbox SET subject_id = ticket_id")
    with op.batch_alter_table("outbox", **_KEEP_AUTOINCREMENT) as batch:
        batch.alter_column("ticket_id", existing_type=BigId, nullable=True)
        batch.create_index(
            "ix_outbox_subject_sequence", ["subject_kind", "subject_id", "sequence"], unique=True
        )
    op.create_table(
        "event_subjects",
        sa.Column("subject_kind", sa.String(length=20), nullable=False),
        sa.Column("subject_id", BigId, autoincrement=False, nullable=False),
        sa.Column("last_sequence", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("subject_kind", "subject_id", name=op.f("pk_event_subjects")),
    )


def downgrade() -> None:
    op.drop_table("event_subjects")
    # The older schema keys every event by a ticket: people events have no place there.
    op.execute("DELETE FROM outbox WHERE ticket_id IS NULL")
    with op.batch_alter_table("outbox", **_KEEP_AUTOINCREMENT) as batch:
        batch.drop_index("ix_outbox_subject_sequence")
        batch.alter_column("ticket_id", existing_type=BigId, nullable=False)
        batch.drop_column("subject_id")
        batch.drop_column("subject_kind")
