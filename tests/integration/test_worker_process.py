"""``tessera worker`` as a real process on Redis Streams and on NATS JetStream: SIGTERM makes
it stop within its grace period, with exit code 0 and no error line."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import BROKERS, broker_server, wait_until

pytestmark = [pytest.mark.broker, pytest.mark.slow]

GRACE_SECONDS = 3
# Leaves room for the interpreter to exit on a busy machine; draining NATS took 30 s.
MARGIN_SECONDS = 7


@pytest.fixture(params=BROKERS)
def broker_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    server, url = broker_server(request.param, tmp_path)
    server.start()
    yield url
    server.stop()


def _error_lines(output: str) -> list[str]:
    markers = ("[error", "[critical", '"level": "error"', '"level": "critical"', "traceback")
    return [line for line in output.splitlines() if any(m in line.lower() for m in markers)]


@pytest.mark.timeout(300)
def test_sigterm_stops_the_worker_within_its_grace_cleanly(
    broker_url: str, sqlite_template: Path, tmp_path: Path
) -> None:
    database = tmp_path / "tessera.db"
    shutil.copy(sqlite_template, database)
    env = {
        **os.environ,
        "TESSERA_ENV": "test",
        "TESSERA_DATABASE_URL": f"sqlite:///{database}",
        "TESSERA_BROKER_URL": broker_url,
        "TESSERA_EVENTS_SHUTDOWN_GRACE_SECONDS": str(GRACE_SECONDS),
    }
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "tessera.bootstrap.cli", "worker"],
            env=env,
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until(
            lambda: "Worker running" in log.read_text() or process.poll() is not None,
            timeout=180,  # the interpreter's start is slow on a busy machine
            what="the worker to start",
        )
        assert process.poll() is None, log.read_text()
        time.sleep(3)  # idle consumers: pulls expire, blocking reads return empty

        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=GRACE_SECONDS + MARGIN_SECONDS)
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running {GRACE_SECONDS + MARGIN_SECONDS} s after SIGTERM")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    output = log.read_text()
    assert code == 0, output
    assert "Worker stopped." in output
    assert _error_lines(output) == [], output
