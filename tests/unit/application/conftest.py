"""Use cases over the in-memory adapters, wired by the same registry as production."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tessera.application.services import Services
from tessera.application.tokens.manage_tokens import IssueToken
from tessera.bootstrap.memory import build_memory_services
from tessera.domain.access.principal import Principal
from tessera.infrastructure.memory.store import MemoryStore
from tests.support import FrozenClock


@dataclass
class App:
    services: Services
    store: MemoryStore
    clock: FrozenClock

    async def principal(self, role: str, *, email: str | None = None) -> Principal:
        issued = await self.services.issue_token(
            IssueToken(name=f"a {role}", role=role, email=email), principal=None
        )
        return await self.services.authenticate(issued.secret)


@pytest.fixture
def app(clock: FrozenClock) -> App:
    services, store = build_memory_services(clock=clock)
    return App(services=services, store=store, clock=clock)
