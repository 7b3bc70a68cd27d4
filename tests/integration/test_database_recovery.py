"""The database going away mid-traffic: 503 service_unavailable with Retry-After while it is
gone, and recovery by itself, without a restart, when it is back."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text

from tessera.bootstrap.container import build_container
from tessera.bootstrap.settings import DatabaseSettings, Environment, Settings
from tessera.infrastructure.persistence.engine import create_engine
from tessera.presentation.http.app import create_app
from tests.e2e.conftest import ADMIN_SECRET
from tests.support import POSTGRES_URL

pytestmark = pytest.mark.postgres

AUTH = {"Authorization": f"Bearer {ADMIN_SECRET}"}
NEW = {"title": "Survives", "description": "Written after the outage.", "customer_email": "a@b.co"}


async def _kill_connections(database_url: str) -> None:
    admin = create_engine(POSTGRES_URL)
    try:
        async with admin.connect() as conn:
            await conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": database_url.rsplit("/", 1)[1]},
            )
    finally:
        await admin.dispose()


async def _set_connections_allowed(database_url: str, *, allowed: bool) -> None:
    admin = create_engine(POSTGRES_URL)
    name = database_url.rsplit("/", 1)[1]
    try:
        async with admin.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(
                text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS {str(allowed).lower()}')
            )
    finally:
        await admin.dispose()


async def test_503_while_the_database_is_gone_and_recovery_without_restart(
    postgres_url: str,
) -> None:
    container = build_container(
        Settings(
            env=Environment.TEST,
            bootstrap_admin_token=ADMIN_SECRET,
            database=DatabaseSettings(url=postgres_url),
        )
    )
    await container.start()
    transport = httpx.ASGITransport(app=create_app(container.services), raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t", headers=AUTH) as api:
            assert (await api.post("/v1/tickets", json=NEW)).status_code == 201

            await _set_connections_allowed(postgres_url, allowed=False)
            await _kill_connections(postgres_url)
            down = await api.post("/v1/tickets", json=NEW)
            listing = await api.get("/v1/tickets")
            ready = await api.get("/readyz")

            await _set_connections_allowed(postgres_url, allowed=True)
            back = await api.post("/v1/tickets", json=NEW)
            listed = await api.get("/v1/tickets")
    finally:
        await _set_connections_allowed(postgres_url, allowed=True)
        await container.close()

    for response in (down, listing):
        assert response.status_code == 503, response.text
        assert response.json()["code"] == "service_unavailable"
        assert int(response.headers["retry-after"]) >= 1
    assert ready.status_code == 503
    assert back.status_code == 201
    assert len(listed.json()["data"]) == 2  # nothing half-written by the failed attempt


async def test_a_keyed_post_while_the_database_is_gone_is_503_and_runs_once_it_is_back(
    postgres_url: str,
) -> None:
    container = build_container(
        Settings(
            env=Environment.TEST,
            bootstrap_admin_token=ADMIN_SECRET,
            database=DatabaseSettings(url=postgres_url),
        )
    )
    await container.start()
    app = create_app(container.services, idempotency=container.idempotency)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    keyed = {**AUTH, "Idempotency-Key": "during-the-outage"}
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as api:
            await _set_connections_allowed(postgres_url, allowed=False)
            await _kill_connections(postgres_url)
            down = await api.post("/v1/tickets", json=NEW, headers=keyed)

            await _set_connections_allowed(postgres_url, allowed=True)
            back = await api.post("/v1/tickets", json=NEW, headers=keyed)
            again = await api.post("/v1/tickets", json=NEW, headers=keyed)
    finally:
        await _set_connections_allowed(postgres_url, allowed=True)
        await container.close()

    assert down.status_code == 503, down.text
    assert down.json()["code"] == "service_unavailable"
    assert set(down.json()) == {"error", "code", "details", "request_id"}
    assert int(down.headers["retry-after"]) >= 1
    assert back.status_code == 201
    assert again.json() == back.json()
    assert again.headers["idempotent-replayed"] == "true"
