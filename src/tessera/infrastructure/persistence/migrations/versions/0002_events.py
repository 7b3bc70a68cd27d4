"""events: feed positions and retry bookkeeping on the outbox, consumer deduplication

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 23:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _where(condition: str) -> dict[str, sa.TextClause]:
    return {"postgresql_where": sa.text(condition), "sqlite_where": sa.text(condition)}


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("position", BigId, nullable=True))
        batch.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("last_error", sa.Text(), nullable=True))
        batch.create_index("ix_outbox_position", ["position"], unique=True)
        batch.drop_index("ix_outbox_unpublished")
        batch.create_index("ix_outbox_unsequenced", ["id"], **_where("position IS NULL"))
        batch.create_index("ix_outbox_unpublished", ["position"], **_where("published_at IS NULL"))
    op.create_table(
        "processed_events",
        sa.Column("consumer_group", sa.String(length=100), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer_group", "event_id", name=op.f("pk_processed_events")),
    )


def downgrade() -> None:
    op.drop_table("processed_events")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_position")
        batch.drop_index("ix_outbox_unpublished")
        batch.drop_index("ix_outbox_unsequenced")
        batch.create_index("ix_outbox_unpublished", ["id"], **_where("published_at IS NULL"))
        batch.drop_column("last_error")
        batch.drop_column("next_attempt_at")
        batch.drop_column("position")
