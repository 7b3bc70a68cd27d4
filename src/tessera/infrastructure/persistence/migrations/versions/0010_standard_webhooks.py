"""standard webhooks: secrets as whsec_<base64 key>, secret rotation, disabled webhooks

Before, the HMAC key was the secret string itself (``whsec_`` included), which no Standard
Webhooks library derives from it. Each stored secret becomes ``whsec_`` + the base64 of that
string, so the key (and so every receiver's check by key) stays what it was; the downgrade
gives the strings back.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 03:40:00
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

When = sa.DateTime(timezone=True)
PREFIX = "whsec_"
_webhooks = sa.table("webhooks", sa.column("id", sa.BigInteger()), sa.column("secret", sa.String()))


def _rewrite(convert: Callable[[str], str]) -> None:
    bind = op.get_bind()
    for row_id, secret in bind.execute(sa.select(_webhooks.c.id, _webhooks.c.secret)).all():
        bind.execute(
            sa.update(_webhooks).where(_webhooks.c.id == row_id).values(secret=convert(secret))
        )


def _encoded(secret: str) -> str:
    return PREFIX + base64.b64encode(secret.encode()).decode("ascii")


def _decoded(secret: str) -> str:
    """The old form of a secret the upgrade encoded; a secret made since is kept as is."""
    try:
        old = base64.b64decode(secret.removeprefix(PREFIX), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return secret
    return old if 16 <= len(old) <= 128 and old.isprintable() else secret


def upgrade() -> None:
    with op.batch_alter_table("webhooks") as batch:
        batch.alter_column(
            "secret", existing_type=sa.String(length=128), type_=sa.String(length=200)
        )
        batch.add_column(sa.Column("previous_secret", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("previous_secret_expires_at", When, nullable=True))
        batch.add_column(
            sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.text("true"))
        )
        batch.add_column(sa.Column("disabled_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("disabled_at", When, nullable=True))
    _rewrite(_encoded)


def downgrade() -> None:
    _rewrite(_decoded)
    with op.batch_alter_table("webhooks") as batch:
        batch.drop_column("disabled_at")
        batch.drop_column("disabled_reason")
        batch.drop_column("active")
        batch.drop_column("previous_secret_expires_at")
        batch.drop_column("previous_secret")
        batch.alter_column(
            "secret", existing_type=sa.String(length=200), type_=sa.String(length=128)
        )
