"""`tessera serve --workers N`: several processes each keep an L1 cache, so without Redis to
carry invalidations between them they would serve stale reads (SPEC §11)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import ADMIN_SECRET
from tests.servers import TesseraProcess, ThrowawayServer


def test_more_than_one_worker_without_redis_is_refused_with_one_line_saying_why(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TESSERA_REDIS_URL"}
    env |= {"TESSERA_ENV": "development", "TESSERA_DATABASE_URL": f"sqlite:///{tmp_path / 't.db'}"}
    done = subprocess.run(
        [sys.executable, "-m", "tessera.bootstrap.cli", "serve", "--workers", "2", "--port", "9"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    lines = (done.stdout + done.stderr).strip().splitlines()
    assert len(lines) == 1, lines
    assert "--workers 2" in lines[0]
    assert "TESSERA_REDIS_URL" in lines[0]
    assert "stale" in lines[0]
    assert not (tmp_path / "t.db").exists()  # refused before anything started


@pytest.mark.redis
@pytest.mark.timeout(300)
def test_two_workers_with_redis_start_and_serve(
    throwaway_redis: ThrowawayServer, tmp_path: Path
) -> None:
    env = {
        "TESSERA_ENV": "development",
        "TESSERA_DATABASE_URL": f"sqlite:///{tmp_path / 'tessera.db'}",
        "TESSERA_REDIS_URL": f"redis://127.0.0.1:{throwaway_redis.port}/0",
        "TESSERA_BOOTSTRAP_ADMIN_TOKEN": ADMIN_SECRET,
        "TESSERA_LOG_LEVEL": "WARNING",
    }
    server = TesseraProcess(env, tmp_path, args=("--workers", "2"))
    server.start(timeout=120)
    try:
        listed = httpx.get(
            f"{server.base_url}/v1/tickets",
            headers={"Authorization": f"Bearer {ADMIN_SECRET}"},
            timeout=5,
        )
    finally:
        server.stop()
    assert listed.status_code == 200, listed.text
