"""mail threads: a thread per ticket, and each queued mail's Message-ID and thread headers

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 03:30:00
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)
# SQLite rebuilds the table for some changes; its ids must stay never reused.
_KEEP_AUTOINCREMENT: dict[str, Any] = {"table_kwargs": {"sqlite_autoincrement": True}}


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
    with op.batch_alter_table("outgoing_mail", **_KEEP_AUTOINCREMENT) as batch:
        batch.add_column(sa.Column("ticket_id", BigId, nullable=True))
        batch.add_column(sa.Column("message_id", sa.String(length=400), nullable=True))
        batch.add_column(sa.Column("in_reply_to", sa.String(length=400), nullable=True))
        batch.add_column(sa.Column("reference_ids", sa.Text(), nullable=True))
        batch.add_column(sa.Column("reply_to", sa.String(length=254), nullable=True))
        batch.create_index("ix_outgoing_mail_message_id", ["message_id"], unique=True)
    _thread_what_was_mailed()
    with op.batch_alter_table("outgoing_mail", **_KEEP_AUTOINCREMENT) as batch:
        batch.alter_column("message_id", existing_type=sa.String(length=400), nullable=False)


def _thread_what_was_mailed() -> None:
    """Mail queued before threading keeps the Message-ID it was (or will be) sent with, gets
    its ticket from the outbox, and each ticket it went to gets a thread rooted at its first
    mail, so the ticket's next mail answers its last and replies to them can be matched."""
    conn = op.get_bind()
    conn.execute(
        sa.text(
            "UPDATE outgoing_mail SET message_id = '<' || event_id || '.' || kind || '@tessera>',"
            " ticket_id = (SELECT outbox.ticket_id FROM outbox"
            " WHERE outbox.event_id = outgoing_mail.event_id)"
        )
    )
    mailed = conn.execute(
        sa.text(
            "SELECT ticket_id, message_id, created_at FROM outgoing_mail"
            " WHERE ticket_id IS NOT NULL ORDER BY id"
        )
    ).all()
    threads: dict[int, dict[str, object]] = {}
    for ticket_id, message_id, created_at in mailed:
        thread = threads.setdefault(
            ticket_id,
            {
                "ticket_id": ticket_id,
                "token": base64.b32encode(secrets.token_bytes(10)).decode().lower(),
                "root_message_id": message_id,
                "created_at": created_at,
            },
        )
        thread["last_message_id"] = message_id
    if threads:
        conn.execute(
            sa.text(
                "INSERT INTO mail_threads (ticket_id, token, root_message_id, last_message_id,"
                " created_at) VALUES (:ticket_id, :token, :root_message_id, :last_message_id,"
                " :created_at)"
            ),
            list(threads.values()),
        )


def downgrade() -> None:
    with op.batch_alter_table("outgoing_mail", **_KEEP_AUTOINCREMENT) as batch:
        batch.drop_index("ix_outgoing_mail_message_id")
        for column in ("reply_to", "reference_ids", "in_reply_to", "message_id", "ticket_id"):
            batch.drop_column(column)
    op.drop_table("mail_threads")
