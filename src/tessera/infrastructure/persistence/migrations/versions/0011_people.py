"""people: users, organizations, groups; tokens and tickets point at users

Every token becomes (or joins, by its address) a user: a requester token the customer with
its address, an agent or admin token a staff user (an address on ``tokens.invalid`` when the
token had none). Every ticket's address becomes its requester (found or created as a
customer); assignee and comment author ids, token ids until now, become the ids of the
tokens' users. The downgrade maps them back to each user's first token.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 03:30:00
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)

# From an id in ``{0}`` (a token's, a user's) to the other kind: what assignee and comment
# author ids mean after the upgrade (users) and after the downgrade (tokens).
_HOLDER_OF = "SELECT api_tokens.user_id FROM api_tokens WHERE api_tokens.id = {0}"
_FIRST_ISSUED_TO = "SELECT min(api_tokens.id) FROM api_tokens WHERE api_tokens.user_id = {0}"

# Strongest first: a user several tokens join takes the strongest of their roles.
_RANK = {"admin": 0, "agent": 1, "customer": 2}


def upgrade() -> None:
    _create_tables()
    op.add_column("tickets", sa.Column("requester_id", BigId, nullable=True))
    op.add_column("tickets", sa.Column("organization_id", BigId, nullable=True))
    op.add_column("tickets", sa.Column("group_id", BigId, nullable=True))
    op.add_column(
        "tickets",
        sa.Column("channel", sa.String(length=20), server_default=sa.text("'api'"), nullable=False),
    )
    op.create_index("ix_tickets_requester_id", "tickets", ["requester_id"])
    op.create_index("ix_tickets_group_id", "tickets", ["group_id"])
    op.create_index("ix_tickets_organization_id", "tickets", ["organization_id"])
    op.add_column("api_tokens", sa.Column("user_id", BigId, nullable=True))
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])
    _migrate_people()


def downgrade() -> None:
    bind = op.get_bind()
    _remap_people_ids(_FIRST_ISSUED_TO)
    # Tokens issued since the upgrade hold their user's role and address of that moment;
    # bring them up to date (a customer is a requester again).
    bind.execute(
        sa.text(
            "UPDATE api_tokens SET "
            "email = (SELECT users.email FROM users WHERE users.id = api_tokens.user_id), "
            "role = coalesce((SELECT CASE users.role WHEN 'customer' THEN 'requester' "
            "ELSE users.role END FROM users WHERE users.id = api_tokens.user_id), role) "
            "WHERE user_id IS NOT NULL"
        )
    )
    bind.execute(sa.text("UPDATE api_tokens SET email = NULL WHERE email LIKE '%@tokens.invalid'"))
    op.drop_index("ix_api_tokens_user_id", table_name="api_tokens")
    op.drop_column("api_tokens", "user_id")
    op.drop_index("ix_tickets_organization_id", table_name="tickets")
    op.drop_index("ix_tickets_group_id", table_name="tickets")
    op.drop_index("ix_tickets_requester_id", table_name="tickets")
    op.drop_column("tickets", "channel")
    op.drop_column("tickets", "group_id")
    op.drop_column("tickets", "organization_id")
    op.drop_column("tickets", "requester_id")
    for table in ("ticket_followers", "group_members", "groups", "users"):
        op.drop_table(table)
    op.drop_table("organization_domains")
    op.drop_table("organizations")


def _create_tables() -> None:
    op.create_table(
        "organizations",
        sa.Column("id", BigId, sa.Identity(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("shared_tickets", sa.Boolean(), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organizations")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "organization_domains",
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.Column("organization_id", BigId, nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_organization_domains_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("domain", name=op.f("pk_organization_domains")),
    )
    op.create_index(
        "ix_organization_domains_organization_id", "organization_domains", ["organization_id"]
    )
    op.create_table(
        "users",
        sa.Column("id", BigId, sa.Identity(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("email_key", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("organization_id", BigId, nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("created_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_users_organization_id_organizations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email_key", name=op.f("uq_users_email_key")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_users_role_id", "users", ["role", "id"])
    op.create_index("ix_users_organization_id", "users", ["organization_id"])
    op.create_table(
        "groups",
        sa.Column("id", BigId, sa.Identity(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("updated_at", When, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_groups")),
        sqlite_autoincrement=True,
    )
    for table, owner in (("group_members", "groups"), ("ticket_followers", "tickets")):
        owner_column = f"{owner[:-1]}_id"
        op.create_table(
            table,
            sa.Column(owner_column, BigId, nullable=False),
            sa.Column("user_id", BigId, nullable=False),
            sa.ForeignKeyConstraint(
                [owner_column],
                [f"{owner}.id"],
                name=op.f(f"fk_{table}_{owner_column}_{owner}"),
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                ["user_id"],
                ["users.id"],
                name=op.f(f"fk_{table}_user_id_users"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint(owner_column, "user_id", name=op.f(f"pk_{table}")),
        )
        op.create_index(f"ix_{table}_user_id", table, ["user_id"])


def _key(address: str) -> str:
    """The stored ``email_key`` as of this revision: the digest of the lower-cased address."""
    return hashlib.sha256(address.lower().encode()).hexdigest()


class _People:
    """The users found or created so far, by the key of their address."""

    def __init__(self, bind: sa.Connection, now: datetime) -> None:
        self._bind = bind
        self._now = now
        self._users = sa.table(
            "users",
            *(
                sa.column(c)
                for c in ("id", "name", "email", "email_key", "role", "active", "time_zone")
            ),
            sa.column("created_at"),
            sa.column("updated_at"),
        )
        self.by_key: dict[str, tuple[int, str]] = {}  # key -> (id, role)

    def find_or_create(self, *, email: str, name: str, role: str) -> int:
        key = _key(email)
        known = self.by_key.get(key)
        if known is None:
            result = self._bind.execute(
                sa.insert(self._users)
                .returning(self._users.c.id)
                .values(
                    name=name[:200],
                    email=email,
                    email_key=key,
                    role=role,
                    active=True,
                    time_zone="UTC",
                    created_at=self._now,
                    updated_at=self._now,
                )
            )
            user_id = int(result.scalar_one())
            self.by_key[key] = (user_id, role)
            return user_id
        user_id, held = known
        if _RANK[role] < _RANK[held]:
            self._bind.execute(
                sa.update(self._users).where(self._users.c.id == user_id).values(role=role)
            )
            self.by_key[key] = (user_id, role)
        return user_id


def _migrate_people() -> None:
    bind = op.get_bind()
    people = _People(bind, datetime.now(UTC))
    tokens = bind.execute(sa.text("SELECT id, name, role, email FROM api_tokens ORDER BY id"))
    for token_id, name, role, email in tokens.all():
        user_id = people.find_or_create(
            email=email or f"token-{token_id}@tokens.invalid",
            name=name,
            role="customer" if role == "requester" else role,
        )
        bind.execute(
            sa.text("UPDATE api_tokens SET user_id = :user WHERE id = :id"),
            {"user": user_id, "id": token_id},
        )
    addresses = bind.execute(
        sa.text("SELECT customer_email FROM tickets GROUP BY customer_email ORDER BY min(id)")
    )
    for (address,) in addresses.all():
        requester = people.find_or_create(
            email=address, name=address.rpartition("@")[0], role="customer"
        )
        bind.execute(
            sa.text("UPDATE tickets SET requester_id = :user WHERE customer_email = :address"),
            {"user": requester, "address": address},
        )
    _remap_people_ids(_HOLDER_OF)


def _remap_people_ids(lookup: str) -> None:
    """Assignees and comment authors through ``lookup``; an author it cannot map is 0
    (nobody), never an id that could now name someone else."""
    bind = op.get_bind()
    assignee = lookup.format("tickets.assignee_id")
    author = lookup.format("comments.author_id")
    bind.execute(
        sa.text(f"UPDATE tickets SET assignee_id = ({assignee}) WHERE assignee_id IS NOT NULL")  # noqa: S608
    )
    bind.execute(sa.text(f"UPDATE comments SET author_id = coalesce(({author}), 0)"))  # noqa: S608
