"""`tessera serve --workers N`: several processes each keep an L1 cache, so without Redis to
carry invalidations between them they would serve stale reads (SPEC §11)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

from tessera.bootstrap import cli
from tessera.bootstrap.settings import load_settings


@pytest.mark.slow  # a fresh interpreter imports all of Tessera before it refuses
def test_more_than_one_worker_without_redis_is_refused_with_one_line_saying_why(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TESSERA_REDIS_URL"}
    env |= {"TESSERA_ENV": "development", "TESSERA_DATABASE_URL": f"sqlite:///{tmp_path / 't.db'}"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tessera.bootstrap.cli",
            "serve",
            "--workers",
            "2",
            "--host",
            "192.0.2.1",
        ],
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


def test_two_workers_with_redis_pass_the_check_and_reach_uvicorn(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Only the check is under test: a real start of two uvicorn workers proves nothing more
    # about it, and on a busy machine the supervisor's 5 s health check can kill them first.
    started: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: started.append(options))
    monkeypatch.setenv("TESSERA_REDIS_URL", "redis://127.0.0.1:6379/0")
    load_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli.app, ["serve", "--workers", "2"])
    finally:
        load_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert [options["workers"] for options in started] == [2]
