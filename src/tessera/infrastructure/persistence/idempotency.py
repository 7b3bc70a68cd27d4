"""Idempotency keys in the database: a claim is an INSERT that only one request can win, so
two concurrent requests with one key run once (also while Redis is down: it is not used).
A running claim expires with its lease, an answer after the retention time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.application.ports.idempotency import Claim, ClaimState, StoredAnswer
from tessera.infrastructure.persistence.engine import writer
from tessera.infrastructure.persistence.errors import database_errors
from tessera.infrastructure.persistence.tables import idempotency_keys as keys
from tessera.infrastructure.persistence.upserts import insert_ignoring_duplicates


class SqlAlchemyIdempotencyStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = writer(engine)

    async def claim(
        self, owner: str, key: str, *, fingerprint: str, now: datetime, expires_at: datetime
    ) -> Claim:
        this = (keys.c.owner == owner) & (keys.c.key == key)
        async with database_errors(), self._engine.begin() as conn:
            await conn.execute(delete(keys).where(this, keys.c.expires_at <= now))
            inserted = await conn.execute(
                insert_ignoring_duplicates(keys, dialect=conn.dialect.name),
                {
                    "owner": owner,
                    "key": key,
                    "fingerprint": fingerprint,
                    "state": "running",
                    "created_at": now,
                    "expires_at": expires_at,
                },
            )
            if inserted.rowcount == 1:
                return Claim(ClaimState.STARTED)
            row = (await conn.execute(select(keys).where(this))).mappings().one()
        if row["fingerprint"] != fingerprint:
            return Claim(ClaimState.MISMATCH)
        if row["state"] != "done":
            return Claim(ClaimState.IN_FLIGHT)
        answer = StoredAnswer(
            status=row["status_code"],
            headers=[(name, value) for name, value in row["headers"]],
            body=row["body"],
        )
        return Claim(ClaimState.REPLAY, answer)

    async def complete(
        self, owner: str, key: str, answer: StoredAnswer, *, expires_at: datetime
    ) -> None:
        async with database_errors(), self._engine.begin() as conn:
            await conn.execute(
                update(keys)
                .where(keys.c.owner == owner, keys.c.key == key)
                .values(
                    state="done",
                    status_code=answer.status,
                    headers=[list(pair) for pair in answer.headers],
                    body=answer.body,
                    expires_at=expires_at,
                )
            )

    async def release(self, owner: str, key: str) -> None:
        async with database_errors(), self._engine.begin() as conn:
            await conn.execute(delete(keys).where(keys.c.owner == owner, keys.c.key == key))
