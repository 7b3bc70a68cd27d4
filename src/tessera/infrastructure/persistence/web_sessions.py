"""Web sessions in the database (table ``web_sessions``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.application.ports.web_sessions import WebSession
from tessera.infrastructure.persistence.errors import database_errors
from tessera.infrastructure.persistence.tables import web_sessions

_table = web_sessions


class SqlAlchemyWebSessionStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def add(self, session: WebSession) -> None:
        async with database_errors(), self._engine.begin() as conn:
            await conn.execute(
                insert(web_sessions).values(
                    secret_hash=session.secret_hash,
                    user_id=session.user_id,
                    csrf_token=session.csrf_token,
                    created_at=session.created_at,
                    expires_at=session.expires_at,
                )
            )

    async def get(self, secret_hash: str) -> WebSession | None:
        async with database_errors(), self._engine.connect() as conn:
            row = (
                (
                    await conn.execute(
                        select(web_sessions).where(web_sessions.c.secret_hash == secret_hash)
                    )
                )
                .mappings()
                .first()
            )
        if row is None:
            return None
        return WebSession(
            secret_hash=row["secret_hash"],
            user_id=row["user_id"],
            csrf_token=row["csrf_token"],
            created_at=row["created_at"],
            expires_at=row["expires_at"],
        )

    async def delete(self, secret_hash: str) -> None:
        async with database_errors(), self._engine.begin() as conn:
            await conn.execute(
                delete(web_sessions).where(web_sessions.c.secret_hash == secret_hash)
            )

    async def delete_for_user(self, user_id: int) -> int:
        async with database_errors(), self._engine.begin() as conn:
            result = await conn.execute(
                delete(web_sessions).where(web_sessions.c.user_id == user_id)
            )
        return result.rowcount

    async def delete_expired(self, now: datetime) -> int:
        async with database_errors(), self._engine.begin() as conn:
            result = await conn.execute(
                delete(web_sessions).where(web_sessions.c.expires_at <= now)
            )
        return result.rowcount
