"""The portal's login links in the database (table ``portal_login_links``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.application.ports.login_links import LoginLink
from tessera.infrastructure.persistence.engine import writer
from tessera.infrastructure.persistence.errors import database_errors
from tessera.infrastructure.persistence.tables import portal_login_links as _links


class SqlAlchemyLoginLinkStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = writer(engine)

    async def add(self, link: LoginLink) -> None:
        async with database_errors(), self._engine.begin() as conn:
            await conn.execute(
                insert(_links).values(
                    token_hash=link.token_hash,
                    user_id=link.user_id,
                    created_at=link.created_at,
                    expires_at=link.expires_at,
                    used_at=None,
                )
            )

    async def redeem(self, token_hash: str, *, now: datetime) -> int | None:
        """One conditional UPDATE: of two requests racing with the same link, only one
        changes the row (the other's condition no longer holds)."""
        async with database_errors(), self._engine.begin() as conn:
            result = await conn.execute(
                update(_links)
                .where(
                    _links.c.token_hash == token_hash,
                    _links.c.used_at.is_(None),
                    _links.c.expires_at > now,
                )
                .values(used_at=now)
            )
            if result.rowcount != 1:
                return None
            user_id = await conn.scalar(
                select(_links.c.user_id).where(_links.c.token_hash == token_hash)
            )
        return int(user_id) if user_id is not None else None

    async def delete_expired(self, now: datetime) -> int:
        async with database_errors(), self._engine.begin() as conn:
            result = await conn.execute(delete(_links).where(_links.c.expires_at <= now))
        return result.rowcount
