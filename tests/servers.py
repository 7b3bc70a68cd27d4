"""Throwaway servers for tests that must stop and restart a service: each on its own port,
started and stopped by the test (by PID), never the shared ones."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.support import service_missing


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_until(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def executable(name: str) -> str:
    """The program's path; Debian puts nats-server in /usr/sbin, often not on PATH."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin")
    return found or name


class ThrowawayServer:
    """A server process on a free loopback port; ``stop`` kills it, ``start`` brings it back
    on the same port (with the same data directory)."""

    def __init__(self, name: str, command: Callable[[int, Path], list[str]], workdir: Path):
        executable = command(0, workdir)[0]
        if not Path(executable).is_file():
            service_missing(name, f"{executable} is not installed")
        self.name = name
        self.port = free_port()
        self._command = command
        self._workdir = workdir
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._process = subprocess.Popen(
            self._command(self.port, self._workdir),
            cwd=self._workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: port_open(self.port), timeout=15, what=f"{self.name} to listen")

    def pause(self) -> None:
        """SIGSTOP: connections stay open but nothing answers, like a network partition."""
        assert self._process is not None
        self._process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self._process is not None
        self._process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.send_signal(signal.SIGKILL)  # really gone: no graceful hand-over
        self._process.wait(timeout=10)
        self._process = None
        wait_until(lambda: not port_open(self.port), timeout=10, what=f"{self.name} to stop")


def redis_command(port: int, workdir: Path) -> list[str]:
    return [
        executable("redis-server"),
        "--bind", "127.0.0.1",
        "--port", str(port),
        "--save", "",
        "--appendonly", "yes",  # survives the kill, as a production broker would
        "--appendfsync", "always",
        "--dir", str(workdir),
    ]  # fmt: skip


def nats_command(port: int, workdir: Path) -> list[str]:
    store = workdir / "jetstream"
    os.makedirs(store, exist_ok=True)
    return [executable("nats-server"), "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(store)]


# The two real brokers, as fixture parameters: Redis Streams needs a Redis server as well.
BROKERS = [
    pytest.param("redis", marks=[pytest.mark.broker, pytest.mark.redis]),
    pytest.param("nats", marks=pytest.mark.broker),
]


def broker_server(kind: str, workdir: Path) -> tuple[ThrowawayServer, str]:
    """A throwaway server for one of ``BROKERS`` (not started yet) and the broker URL for it."""
    if kind == "redis":
        server = ThrowawayServer("redis-server", redis_command, workdir)
        return server, f"redis://127.0.0.1:{server.port}/0"
    server = ThrowawayServer("nats-server", nats_command, workdir)
    return server, f"nats://127.0.0.1:{server.port}"


class TesseraProcess:
    """``tessera serve`` in its own process on a free port (real uvicorn)."""

    def __init__(self, env: dict[str, str], workdir: Path, *, args: tuple[str, ...] = ()) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._env = {**os.environ, **env}
        self._workdir = workdir
        self._args = args  # more `tessera serve` options, such as ("--workers", "2")
        self._process: subprocess.Popen[bytes] | None = None
        self._log = workdir / f"tessera-{self.port}.log"
        self.output = ""

    def start(self, *, until: str = "/readyz", timeout: float = 90) -> None:
        """Start, then wait until ``until`` answers 200 (``/livez``: up, though not ready)."""
        command = [sys.executable, "-m", "tessera.bootstrap.cli", "serve", "--port", str(self.port)]
        # Output to a file, not a pipe: a pipe nobody reads fills up and blocks the server.
        with self._log.open("wb") as log:
            self._process = subprocess.Popen(
                [*command, *self._args],
                env=self._env,
                cwd=self._workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_until(lambda: self._ready(until), timeout=timeout, what=f"tessera on {self.port}")
        except BaseException:  # pytest.fail included: never leave the process behind
            self.stop()
            raise

    def _ready(self, path: str = "/readyz") -> bool:
        assert self._process is not None
        if self._process.poll() is not None:
            pytest.fail(f"tessera exited early:\n{self._log.read_text()}")
        try:
            return httpx.get(f"{self.base_url}{path}", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    def terminate(self) -> None:
        """SIGTERM, without waiting."""
        assert self._process is not None
        self._process.terminate()

    def wait(self) -> int:
        assert self._process is not None
        code = self._process.wait(timeout=40)
        self.output = self._log.read_text()
        self._process = None
        return code

    def stop(self) -> None:
        if self._process is None:
            return
        self.terminate()
        self.wait()


def moto_command(port: int, workdir: Path) -> list[str]:
    """moto's S3-compatible API server (the ``moto[server]`` dev dependency)."""
    return [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)]
