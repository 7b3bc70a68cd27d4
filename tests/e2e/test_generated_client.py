"""A Python client generated from the served document (openapi-python-client) works against
real uvicorn: create, read, change with If-Match, list, comment; and Tessera's errors decode
as the one error envelope, not as FastAPI's ``{detail}`` (SPEC §12)."""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import ADMIN_SECRET
from tests.servers import TesseraProcess

PACKAGE = "tessera_generated_client"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TesseraProcess]:
    workdir = tmp_path_factory.mktemp("generated-client")
    process = TesseraProcess(
        {
            "TESSERA_ENV": "development",
            "TESSERA_DATABASE_URL": f"sqlite:///{workdir / 'tessera.db'}",
            "TESSERA_BOOTSTRAP_ADMIN_TOKEN": ADMIN_SECRET,
            "TESSERA_LOG_LEVEL": "WARNING",
        },
        workdir,
    )
    process.start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="module")
def generated(server: TesseraProcess, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The client package, generated from the document the server serves, imported."""
    root = tmp_path_factory.mktemp("client")
    spec = root / "openapi.json"
    spec.write_bytes(httpx.get(f"{server.base_url}/openapi.json", timeout=10).content)
    bin_dir = Path(sys.executable).parent
    generator = shutil.which("openapi-python-client", path=str(bin_dir))
    assert generator is not None, "openapi-python-client is a dev dependency"
    # A file's bytes are declared */* (any media type), which the generator reads only when
    # told to treat it as application/octet-stream.
    config = root / "config.json"
    config.write_text(json.dumps({"content_type_overrides": {"*/*": "application/octet-stream"}}))
    command = [
        generator,
        "generate",
        "--path",
        str(spec),
        "--meta",
        "none",
        "--config",
        str(config),
    ]
    run = subprocess.run(
        [*command, "--output-path", str(root / PACKAGE)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"},
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Warning" not in run.stdout + run.stderr, run.stdout + run.stderr  # nothing skipped
    sys.path.insert(0, str(root))
    try:
        yield _Client(importlib.import_module(PACKAGE))
    finally:
        sys.path.remove(str(root))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


class _Client:
    """The generated package's modules by their operation ids (``tickets.create`` is
    ``api.tickets.tickets_create``), and its models."""

    def __init__(self, package: ModuleType) -> None:
        self.package = package
        self.models: Any = importlib.import_module(f"{PACKAGE}.models")

    def operation(self, operation_id: str) -> Any:
        tag, _, _ = operation_id.partition(".")
        return importlib.import_module(f"{PACKAGE}.api.{tag}.{operation_id.replace('.', '_')}")

    def authenticated(self, base_url: str, token: str) -> Any:
        return self.package.AuthenticatedClient(base_url=base_url, token=token)


@pytest.mark.slow
def test_the_generated_client_creates_reads_updates_lists_and_comments(
    server: TesseraProcess, generated: _Client
) -> None:
    models = generated.models
    client = generated.authenticated(server.base_url, ADMIN_SECRET)
    created = generated.operation("tickets.create").sync_detailed(
        client=client,
        body=models.TicketCreateRequest(
            title="Generated client",
            description="Opened through the generated client.",
            customer_email="gen@example.com",
            tags=["sdk"],
        ),
    )
    assert created.status_code == 201
    ticket = created.parsed
    assert isinstance(ticket, models.TicketResponse)
    assert created.headers["Location"] == f"/v1/tickets/{ticket.id}"
    etag = created.headers["ETag"]

    read = generated.operation("tickets.get").sync(client=client, ticket_id=ticket.id)
    assert isinstance(read, models.TicketResponse)
    assert (read.title, read.status) == ("Generated client", models.Status.OPEN)

    updated = generated.operation("tickets.update").sync_detailed(
        client=client,
        ticket_id=ticket.id,
        body=models.TicketUpdateRequest(priority=models.Priority.HIGH),
        if_match=etag,
    )
    assert updated.status_code == 200
    assert updated.parsed.priority == models.Priority.HIGH
    assert updated.headers["ETag"] != etag

    listed = generated.operation("tickets.list").sync(client=client, tag="sdk", limit=10)
    assert isinstance(listed, models.TicketListResponse)
    assert [t.id for t in listed.data] == [ticket.id]
    assert listed.links.next_ is None

    comment = generated.operation("comments.create").sync(
        client=client,
        ticket_id=ticket.id,
        body=models.CommentCreateRequest(body="A reply from the SDK.", public=True),
    )
    assert isinstance(comment, models.CommentResponse)
    thread = generated.operation("comments.list").sync(client=client, ticket_id=ticket.id)
    assert [c.body for c in thread.data] == ["A reply from the SDK."]


@pytest.mark.slow
def test_the_generated_client_decodes_a_422_and_a_412_as_the_error_envelope(
    server: TesseraProcess, generated: _Client
) -> None:
    models = generated.models
    client = generated.authenticated(server.base_url, ADMIN_SECRET)
    refused = generated.operation("tickets.create").sync_detailed(
        client=client,
        body=models.TicketCreateRequest(
            title="Short", description="too short", customer_email="gen@example.com"
        ),
    )
    assert refused.status_code == 422
    error = refused.parsed
    assert isinstance(error, models.ErrorResponse)
    assert error.code == "validation_failed"
    assert error.request_id == refused.headers["X-Request-ID"]
    assert [d["field"] for d in error.details] == ["description"]

    ticket = generated.operation("tickets.create").sync(
        client=client,
        body=models.TicketCreateRequest(
            title="Stale", description="Changed behind the caller's back.", customer_email="x@y.io"
        ),
    )
    first = generated.operation("tickets.get").sync_detailed(client=client, ticket_id=ticket.id)
    stale = first.headers["ETag"]
    change = generated.operation("tickets.update")
    change.sync(client=client, ticket_id=ticket.id, body=models.TicketUpdateRequest(title="Newer"))
    conflict = change.sync_detailed(
        client=client,
        ticket_id=ticket.id,
        body=models.TicketUpdateRequest(title="Older"),
        if_match=stale,
    )
    assert conflict.status_code == 412
    assert isinstance(conflict.parsed, models.ErrorResponse)
    assert conflict.parsed.code == "precondition_failed"
