"""web sessions: the server-side sessions of the console and the portal; indexes for the
console's SLA views

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 06:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)
RUNNING = "status IN ('open', 'in_progress')"
RUNNING_AWAITING_REPLY = f"{RUNNING} AND first_responded_at IS NULL"


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", BigId, nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("expires_at", When, nullable=False),
        sa.PrimaryKeyConstraint("secret_hash", name=op.f("pk_web_sessions")),
    )
    op.create_index("ix_web_sessions_user_id", "web_sessions", ["user_id"])
    op.create_index("ix_web_sessions_expires_at", "web_sessions", ["expires_at"])
    # Running tickets' due dates only: the breached and at-risk views read a few index
    # entries instead of every ticket.
    op.create_index(
        "ix_tickets_running_first_response_due_at",
        "tickets",
        ["first_response_due_at"],
        postgresql_where=sa.text(RUNNING_AWAITING_REPLY),
        sqlite_where=sa.text(RUNNING_AWAITING_REPLY),
    )
    op.create_index(
        "ix_tickets_running_resolution_due_at",
        "tickets",
        ["resolution_due_at"],
        postgresql_where=sa.text(RUNNING),
        sqlite_where=sa.text(RUNNING),
    )


def downgrade() -> None:
    op.drop_index("ix_tickets_running_resolution_due_at", table_name="tickets")
    op.drop_index("ix_tickets_running_first_response_due_at", table_name="tickets")
    op.drop_table("web_sessions")
