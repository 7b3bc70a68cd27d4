"""A revision that creates a table, then fails: nothing of it may remain.

Revision ID: f002
Revises: f001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "f002"
down_revision = "f001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("half_done", sa.Column("id", sa.Integer, primary_key=True))
    op.add_column("good", sa.Column("note", sa.Text))
    op.execute("THIS IS NOT SQL")


def downgrade() -> None:
    op.drop_table("half_done")
