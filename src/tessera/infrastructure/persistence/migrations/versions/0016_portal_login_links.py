"""portal login links: the customer portal's one-time e-mailed links (digests only)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 14:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "portal_login_links",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("expires_at", When, nullable=False),
        sa.Column("used_at", When, nullable=True),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_portal_login_links")),
    )
    op.create_index("ix_portal_login_links_expires_at", "portal_login_links", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_portal_login_links_expires_at", table_name="portal_login_links")
    op.drop_table("portal_login_links")
