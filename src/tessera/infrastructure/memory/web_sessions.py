"""Web sessions in a dict, for the application's unit tests."""

from __future__ import annotations

from datetime import datetime

from tessera.application.ports.web_sessions import WebSession


class InMemoryWebSessionStore:
    def __init__(self) -> None:
        self.sessions: dict[str, WebSession] = {}

    async def add(self, session: WebSession) -> None:
        self.sessions[session.secret_hash] = session

    async def get(self, secret_hash: str) -> WebSession | None:
        return self.sessions.get(secret_hash)

    async def delete(self, secret_hash: str) -> None:
        self.sessions.pop(secret_hash, None)

    async def delete_for_user(self, user_id: int) -> int:
        ended = [key for key, s in self.sessions.items() if s.user_id == user_id]
        for key in ended:
            del self.sessions[key]
        return len(ended)

    async def delete_expired(self, now: datetime) -> int:
        ended = [key for key, s in self.sessions.items() if s.expires_at <= now]
        for key in ended:
            del self.sessions[key]
        return len(ended)
