"""Example (not in the live chain): expand with a nullable column, then backfill in batches
(PostgreSQL SQL in the backfill; a SQLite deployment would compute the minutes in Python).

Copy into migrations/versions/, set ``down_revision`` to the current head, and write the code
that fills the column for new rows in the same release.

Revision ID: example_first_response_minutes
Revises: (the current head)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "example_first_response_minutes"
down_revision: str | None = None  # set to the current head when adopting this example
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade() -> None:
    # Expand: nullable, no default to rewrite, so the ALTER is instant and old code is unaware.
    op.add_column("tickets", sa.Column("first_response_minutes", sa.Integer(), nullable=True))
    # Backfill in short batches keyed by id: each batch locks few rows for a short time.
    bind = op.get_bind()
    last_id = 0
    while True:
        ids = [
            row[0]
            for row in bind.execute(
                sa.text(
                    "SELECT id FROM tickets WHERE id > :last AND first_responded_at IS NOT NULL "
                    "AND first_response_minutes IS NULL ORDER BY id LIMIT :batch"
                ),
                {"last": last_id, "batch": BATCH},
            )
        ]
        if not ids:
            break
        bind.execute(
            sa.text(
                "UPDATE tickets SET first_response_minutes = CAST("
                "EXTRACT(EPOCH FROM first_responded_at - created_at) / 60 AS INTEGER) "
                "WHERE id = ANY(:ids)"
            ),
            {"ids": ids},
        )
        last_id = ids[-1]


def downgrade() -> None:
    op.drop_column("tickets", "first_response_minutes")
