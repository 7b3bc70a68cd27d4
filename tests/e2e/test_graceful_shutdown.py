"""SIGTERM with a request in flight: the request finishes and is stored, then the process
exits cleanly."""

from __future__ import annotations

import json
import signal
import socket
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import ADMIN_SECRET
from tests.servers import TesseraProcess


@pytest.mark.slow  # a real server started, loaded and stopped
def test_a_request_in_flight_at_sigterm_completes(tmp_path: Path) -> None:
    database = tmp_path / "tessera.db"
    env = {
        "TESSERA_ENV": "development",
        "TESSERA_DATABASE_URL": f"sqlite:///{database}",
        "TESSERA_BOOTSTRAP_ADMIN_TOKEN": ADMIN_SECRET,
        "TESSERA_LOG_LEVEL": "WARNING",
    }
    server = TesseraProcess(env, tmp_path)
    server.start()
    body = json.dumps(
        {
            "title": "In flight",
            "description": "Sent across the SIGTERM.",
            "customer_email": "a@b.co",
        }
    ).encode()
    head = (
        f"POST /v1/tickets HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {ADMIN_SECRET}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as client:
        client.sendall(head + body[:10])  # the request has started...
        time.sleep(0.3)
        server.terminate()  # ...when the server is told to stop
        time.sleep(0.3)
        client.sendall(body[10:])
        answer = b""
        while chunk := client.recv(65536):
            answer += chunk
    exit_code = server.wait()

    assert answer.startswith(b"HTTP/1.1 201"), answer[:200]
    # uvicorn shuts down gracefully, then re-raises the signal so that the exit status says
    # how the process ended.
    assert exit_code in (0, -signal.SIGTERM)
    restarted = TesseraProcess(env, tmp_path)
    restarted.start()
    try:
        listed = httpx.get(
            f"{restarted.base_url}/v1/tickets",
            headers={"Authorization": f"Bearer {ADMIN_SECRET}"},
        ).json()["data"]
    finally:
        restarted.stop()
    assert [t["title"] for t in listed] == ["In flight"]
