"""What a staging or production ``tessera serve`` writes: JSON lines only, uvicorn's own lines
included, and never a secret the operator supplied."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest

from tessera.infrastructure.persistence import schema
from tessera.infrastructure.persistence.engine import create_engine
from tests.e2e.conftest import ADMIN_SECRET
from tests.servers import TesseraProcess


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    try:
        await schema.upgrade(engine)  # what `tessera db upgrade` does before a production start
    finally:
        await engine.dispose()


@pytest.mark.slow  # a real production serve, started and stopped
@pytest.mark.parametrize("supplied", [True, False], ids=["supplied-token", "generated-token"])
def test_production_stdout_and_stderr_are_json_lines_only(tmp_path: Path, supplied: bool) -> None:
    database = tmp_path / "tessera.db"
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{database}"))
    env = {"TESSERA_ENV": "production", "TESSERA_DATABASE_URL": f"sqlite:///{database}"}
    if supplied:
        env["TESSERA_BOOTSTRAP_ADMIN_TOKEN"] = ADMIN_SECRET
    process = TesseraProcess(env, tmp_path)
    process.start()
    try:
        with httpx.Client(base_url=process.base_url) as client:
            assert client.put("/v1/tickets").status_code == 405
            assert client.get("/v1/nothing-here").status_code == 404
    finally:
        process.stop()

    lines = [line for line in process.output.splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line parses: no plain text at all
    assert all(isinstance(record, dict) for record in records)
    uvicorn_lines = [r["event"] for r in records if r.get("logger", "").startswith("uvicorn")]
    assert any("Uvicorn running on" in line for line in uvicorn_lines)
    assert any("Shutting down" in line for line in uvicorn_lines)
    assert not any("color_message" in record for record in records)  # no terminal escapes
    tokens = [record["token"] for record in records if "token" in record]
    if supplied:
        assert ADMIN_SECRET not in process.output  # a secret the operator gave is never shown
        assert tokens == []
    else:
        [token] = tokens  # a generated one is shown exactly once
        assert token.startswith("tsr_")
