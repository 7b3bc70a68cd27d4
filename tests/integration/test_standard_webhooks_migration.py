"""Migration 0010 on a database with webhooks: each stored secret becomes ``whsec_`` + the
base64 of the old string, so the HMAC key stays the one it was and the Standard Webhooks
library accepts it; the downgrade gives the old strings back."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import standardwebhooks
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.infrastructure.persistence import schema
from tessera.infrastructure.persistence.engine import create_engine
from tessera.infrastructure.webhooks.signing import signature
from tests.support import BLANK_DATABASES, blank_database_url

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# As made before (token_urlsafe: the URL-safe alphabet, no padding) and as a client chose one.
OLD_SECRETS = ("whsec_Ab-_x9Qz0K3mN8pL2vR7tY1uW4eS6dF5gH0jK9lZ8c", "a client's own secret!")


@pytest.fixture(params=BLANK_DATABASES)
def database_at_0009(request: pytest.FixtureRequest, tmp_path: Path, worker_id_name: str) -> str:
    return blank_database_url(request, tmp_path, worker=worker_id_name, name="at_0009")


@pytest.fixture
async def engine_at_0009(database_at_0009: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_at_0009)
    await schema.upgrade(engine, "0009")
    async with engine.begin() as conn:
        for n, secret in enumerate(OLD_SECRETS, 1):
            await conn.execute(
                text(
                    "INSERT INTO webhooks (url, event_types, secret, created_at) "
                    "VALUES (:url, '[]', :secret, :created_at)"
                ),
                {"url": f"https://hooks.example.com/{n}", "secret": secret, "created_at": NOW},
            )
    yield engine
    await engine.dispose()


async def _secrets(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return list(await conn.scalars(text("SELECT secret FROM webhooks ORDER BY id")))


async def test_old_secrets_keep_their_key_and_become_standard(engine_at_0009: AsyncEngine) -> None:
    await schema.upgrade(engine_at_0009, "0010")
    migrated = await _secrets(engine_at_0009)
    body = b'{"specversion":"1.0"}'
    for old, new in zip(OLD_SECRETS, migrated, strict=True):
        assert new == "whsec_" + base64.b64encode(old.encode()).decode()
        header = signature(new, message_id="msg_1", timestamp=1764063000, body=body)
        # The key is the old string's bytes, as Tessera keyed the HMAC before.
        expected = hmac.new(old.encode(), b"msg_1.1764063000." + body, hashlib.sha256).digest()
        assert header == "v1," + base64.b64encode(expected).decode()
        at = datetime.fromtimestamp(1764063000, UTC)
        assert standardwebhooks.Webhook(new).sign("msg_1", at, body.decode()) == header
        # Why: the library reads the old string as base64, dropping "-" and "_", so it
        # derives another key (or none at all).
        try:
            as_before: str | None = standardwebhooks.Webhook(old).sign("msg_1", at, body.decode())
        except (ValueError, standardwebhooks.webhooks.EmptyWebhookSecretError):
            as_before = None
        assert as_before != header
    async with engine_at_0009.connect() as conn:
        active = list(await conn.scalars(text("SELECT active FROM webhooks ORDER BY id")))
    assert [bool(a) for a in active] == [True, True]

    await schema.downgrade(engine_at_0009, "0009")
    assert tuple(await _secrets(engine_at_0009)) == OLD_SECRETS
