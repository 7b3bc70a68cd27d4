"""A revision that works.

Revision ID: f001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "f001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("good", sa.Column("id", sa.Integer, primary_key=True))


def downgrade() -> None:
    op.drop_table("good")
