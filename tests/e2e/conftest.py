"""The HTTP API through the real app (ASGI in process), on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tessera.bootstrap.container import Container, Overrides, build_container
from tessera.bootstrap.settings import DatabaseSettings, Environment, Settings, StorageSettings
from tessera.presentation.http.app import create_app
from tests.openapi_check import check_hook
from tests.support import FrozenClock

ADMIN_SECRET = "tsr_test-admin-secret-0123456789abcdefghijklmnop"


@dataclass
class Api:
    client: httpx.AsyncClient
    container: Container

    @staticmethod
    def auth(secret: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {secret}"}

    @property
    def admin(self) -> dict[str, str]:
        return self.auth(ADMIN_SECRET)

    async def token(self, role: str, *, email: str | None = None, name: str = "t") -> str:
        body: dict[str, Any] = {"name": name, "role": role}
        if email is not None:
            body["email"] = email
        response = await self.client.post("/v1/tokens", json=body, headers=self.admin)
        assert response.status_code == 201, response.text
        secret: str = response.json()["token"]
        return secret

    async def create_ticket(self, secret: str = ADMIN_SECRET, **fields: Any) -> dict[str, Any]:
        body = {
            "title": "Printer on fire",
            "description": "It is really on fire now.",
            "customer_email": "bob@example.com",
            **fields,
        }
        response = await self.client.post("/v1/tickets", json=body, headers=self.auth(secret))
        assert response.status_code == 201, response.text
        ticket: dict[str, Any] = response.json()
        return ticket


def settings_for(database_url: str, *, storage: StorageSettings | None = None) -> Settings:
    return Settings(
        env=Environment.TEST,
        bootstrap_admin_token=ADMIN_SECRET,
        database=DatabaseSettings(url=database_url),
        storage=storage or StorageSettings(),
    )


@pytest.fixture
async def api(database_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    storage = StorageSettings(directory=tmp_path / "attachments")
    async for api in serve_api(database_url, Overrides(), storage=storage):
        yield api


@pytest.fixture
async def clocked_api(database_url: str, clock: FrozenClock, tmp_path: Path) -> AsyncIterator[Api]:
    """The API on a clock the test moves by hand (SLA due dates, breaches)."""
    storage = StorageSettings(directory=tmp_path / "attachments")
    async for api in serve_api(database_url, Overrides(clock=clock), storage=storage):
        yield api


async def serve_api(
    database_url: str, overrides: Overrides, *, storage: StorageSettings
) -> AsyncIterator[Api]:
    """The app over a container built for the database and the attachment settings."""
    settings = settings_for(database_url, storage=storage)
    container = build_container(settings, overrides=overrides)
    await container.start()
    app = create_app(
        container.services,
        max_body_bytes=container.settings.http.max_body_bytes,
        idempotency=container.idempotency,
        mail=container.mail.services if container.mail else None,
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://tessera.test",
        event_hooks={"response": [check_hook]},  # every answer matches the OpenAPI document
    ) as client:
        yield Api(client=client, container=container)
    await container.close()
