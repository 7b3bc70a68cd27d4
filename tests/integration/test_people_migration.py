"""Migration 0009 on a database with data: every token becomes or joins a user, every
ticket's address its requester, assignees and comment authors the tokens' users; the
downgrade maps them back to the tokens."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.domain.access.principal import Role
from tessera.domain.comments.comment import Comment, CommentBody
from tessera.infrastructure.persistence import schema
from tessera.infrastructure.persistence.engine import create_engine
from tessera.infrastructure.persistence.mappers import comment_to_row, ticket_to_row
from tessera.infrastructure.persistence.tables import api_tokens, comments, tickets, users
from tests.support import make_ticket, recreate_postgres_database, worker_database_url

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
_NEW_TICKET_COLUMNS = frozenset({"requester_id", "organization_id", "group_id", "channel"})

# (id, name, role, email) as tokens were before users existed.
TOKENS = [
    (1, "bootstrap admin", "admin", None),
    (2, "Grace", "agent", "grace@support.example.com"),
    (3, "Ada's portal", "requester", "ada@example.com"),
    (4, "Ada's phone", "requester", "ada@example.com"),
    (5, "Bob", "requester", "Bob@example.com"),
    (6, "Alan", "agent", None),
]
# (customer_email, assignee token id)
TICKETS = [
    ("ada@example.com", 2),
    ("carol@example.com", None),
    ("bob@example.com", 6),
    ("ada@example.com", None),
]
# (ticket id, author token id, role)
COMMENTS = [(1, 2, Role.AGENT), (1, 3, Role.REQUESTER), (3, 5, Role.REQUESTER), (2, 99, Role.AGENT)]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_at_0008(
    request: pytest.FixtureRequest, tmp_path: Path, worker_id_name: str
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'at_0008.db'}"
        return
    request.getfixturevalue("postgres_database")  # fails in CI when PostgreSQL is absent
    url = worker_database_url(f"{worker_id_name}_at_0008")
    asyncio.run(recreate_postgres_database(url))
    yield url


@pytest.fixture
async def engine_at_0008(database_at_0008: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_at_0008)
    await schema.upgrade(engine, "0008")
    await _seed(engine)
    yield engine
    await engine.dispose()


async def _seed(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        for token_id, name, role, email in TOKENS:
            await conn.execute(
                insert(api_tokens).values(
                    id=token_id,
                    name=name,
                    role=role,
                    email=email,
                    token_hash=f"{token_id:064d}",
                    created_at=NOW,
                )
            )
        for email, assignee in TICKETS:
            row = ticket_to_row(make_ticket(customer_email=email))
            row = {k: v for k, v in row.items() if k not in _NEW_TICKET_COLUMNS}
            row["assignee_id"] = assignee
            await conn.execute(insert(tickets).values(**row))
        for ticket_id, author, role in COMMENTS:
            comment = Comment(
                id=0,
                ticket_id=ticket_id,
                author_id=author,
                author_role=role,
                body=CommentBody("A word"),
                public=True,
                created_at=NOW,
            )
            await conn.execute(insert(comments).values(**comment_to_row(comment)))


async def _rows(engine: AsyncEngine, statement: Any) -> list[Any]:
    async with engine.connect() as conn:
        return list((await conn.execute(statement)).mappings().all())


async def test_every_token_ticket_and_comment_maps_to_the_right_user(
    engine_at_0008: AsyncEngine,
) -> None:
    engine = engine_at_0008
    await schema.upgrade(engine)

    people = {u["id"]: u for u in await _rows(engine, select(users))}
    by_email = {u["email"].lower(): u for u in people.values()}
    user_of_token = {
        t["id"]: t["user_id"]
        for t in await _rows(engine, select(api_tokens.c.id, api_tokens.c.user_id))
    }
    ada, bob, carol = (by_email[f"{n}@example.com"] for n in ("ada", "bob", "carol"))
    grace = by_email["grace@support.example.com"]
    # Both of Ada's tokens join one customer; Bob's token and his tickets' address meet
    # whatever the letter case; an address-less staff token gets a user of its own.
    assert user_of_token[3] == user_of_token[4] == ada["id"]
    assert user_of_token[5] == bob["id"]
    assert user_of_token[2] == grace["id"]
    admin, alan = people[user_of_token[1]], people[user_of_token[6]]
    assert len(people) == 6
    assert [(u["role"], u["name"]) for u in (admin, grace, alan)] == [
        ("admin", "bootstrap admin"),
        ("agent", "Grace"),
        ("agent", "Alan"),
    ]
    assert admin["email"].endswith("@tokens.invalid") and alan["email"].endswith("@tokens.invalid")
    assert admin["email"] != alan["email"]
    assert {u["role"] for u in (ada, bob, carol)} == {"customer"}
    assert all(u["active"] and u["time_zone"] == "UTC" for u in people.values())

    migrated = await _rows(
        engine,
        select(tickets.c.requester_id, tickets.c.assignee_id, tickets.c.channel).order_by(
            tickets.c.id
        ),
    )
    assert [(t["requester_id"], t["assignee_id"]) for t in migrated] == [
        (ada["id"], grace["id"]),
        (carol["id"], None),
        (bob["id"], alan["id"]),
        (ada["id"], None),
    ]
    assert {t["channel"] for t in migrated} == {"api"}
    authors = await _rows(engine, select(comments.c.author_id).order_by(comments.c.id))
    assert [c["author_id"] for c in authors] == [grace["id"], ada["id"], bob["id"], 0]


async def test_the_downgrade_maps_ids_back_to_tokens_and_drops_people(
    engine_at_0008: AsyncEngine,
) -> None:
    engine = engine_at_0008
    await schema.upgrade(engine)
    await schema.downgrade(engine, "0008")

    async with engine.connect() as conn:
        names = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
        token_columns = await conn.run_sync(
            lambda sync: {c["name"] for c in inspect(sync).get_columns("api_tokens")}
        )
        assignees = (await conn.execute(text("SELECT assignee_id FROM tickets ORDER BY id"))).all()
        authors = (await conn.execute(text("SELECT author_id FROM comments ORDER BY id"))).all()
        restored = (
            await conn.execute(text("SELECT id, role, email FROM api_tokens ORDER BY id"))
        ).all()
    assert not names & {"users", "organizations", "groups", "group_members", "ticket_followers"}
    assert "user_id" not in token_columns
    # Ada's first token stands for her; an agent's assignments go back to the agent's token.
    assert [a for (a,) in assignees] == [2, None, 6, None]
    assert [a for (a,) in authors] == [2, 3, 5, 0]
    assert [tuple(r) for r in restored] == [(t[0], t[2], t[3]) for t in TOKENS]
