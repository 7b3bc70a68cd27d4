"""Tessera replicas in the test's event loop: each a container and its app, lifespan and
background loops included (the invalidation subscriber, the replay of invalidations), as
`tessera serve` runs them, reached through ASGI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from tessera.bootstrap.asgi import app_for
from tessera.bootstrap.container import build_container
from tessera.bootstrap.settings import DatabaseSettings, Environment, Settings
from tests.e2e.conftest import ADMIN_SECRET

AUTH = {"Authorization": f"Bearer {ADMIN_SECRET}"}
NEW = {"title": "Cached", "description": "Read many times.", "customer_email": "a@example.com"}


def replica_settings(database_url: str, redis_url: str, *, namespace: str = "tessera") -> Settings:
    return Settings(
        env=Environment.TEST,
        namespace=namespace,
        bootstrap_admin_token=ADMIN_SECRET,
        database=DatabaseSettings(url=database_url),
        redis_url=redis_url,
    )


@asynccontextmanager
async def replica(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = app_for(build_container(settings))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://replica", headers=AUTH, timeout=10
        ) as client:
            yield client


async def version(client: httpx.AsyncClient, ticket_id: int) -> int:
    response = await client.get(f"/v1/tickets/{ticket_id}")
    assert response.status_code == 200, response.text
    found: int = response.json()["version"]
    return found
