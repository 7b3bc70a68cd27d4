"""Property-based fuzzing of the whole OpenAPI document (schemathesis) against real uvicorn,
statefully too (following the document's links from one operation to the next), once for each
role: no input may cause a server error, and every answer must match what the document says."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import ADMIN_SECRET, Api
from tests.servers import TesseraProcess

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)
# The three runs share a 2-core machine's budget of about six minutes. The admin run also
# takes the coverage phase (every boundary value of every parameter, token-independent).
PHASES = {
    "admin": "examples,coverage,fuzzing,stateful",
    "agent": "examples,fuzzing,stateful",
    "requester": "examples,fuzzing,stateful",
}
MAX_EXAMPLES = 15


def _token(base_url: str, role: str) -> str:
    if role == "admin":
        return ADMIN_SECRET
    body = {"name": f"fuzz {role}", "role": role}
    if role == "requester":
        body["email"] = "fuzz@example.com"
    answer = httpx.post(
        f"{base_url}/v1/tokens",
        json=body,
        headers={"Authorization": f"Bearer {ADMIN_SECRET}"},
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    secret: str = answer.json()["token"]
    return secret


@pytest.mark.slow
@pytest.mark.timeout(400)
@pytest.mark.parametrize("role", sorted(PHASES))
def test_no_input_breaks_the_api_or_its_document(tmp_path: Path, role: str) -> None:
    process = TesseraProcess(
        {
            "TESSERA_ENV": "development",
            "TESSERA_DATABASE_URL": f"sqlite:///{tmp_path / 'tessera.db'}",
            "TESSERA_BOOTSTRAP_ADMIN_TOKEN": ADMIN_SECRET,
            "TESSERA_RATE_LIMIT_ENABLED": "false",
            "TESSERA_LOG_LEVEL": "WARNING",
        },
        tmp_path,
    )
    process.start()
    try:
        token = _token(process.base_url, role)
        cli = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
        assert cli is not None, "schemathesis is a dev dependency"
        run = subprocess.run(
            [
                cli,
                "run",
                f"{process.base_url}/openapi.json",
                "--header",
                f"Authorization: Bearer {token}",
                "--checks",
                ",".join(CHECKS),
                "--max-examples",
                str(MAX_EXAMPLES),
                # A stream stays open by design; its handshake is tested in test_uvicorn.py.
                "--exclude-path",
                "/v1/events/stream",
                "--phases",
                PHASES[role],
                "--seed",
                "20261124",
                "--report-dir",
                str(tmp_path / "reports"),
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    finally:
        process.stop()
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert "Stateful" in run.stdout  # the phase that follows links ran


async def test_the_document_links_a_new_ticket_to_reading_changing_and_commenting(
    api: Api,
) -> None:
    document = (await api.client.get("/openapi.json")).json()
    created = document["paths"]["/v1/tickets"]["post"]["responses"]["201"]["links"]
    followed = {_target(document, link) for link in created.values()}
    assert {
        ("/v1/tickets/{ticket_id}", "get"),
        ("/v1/tickets/{ticket_id}", "patch"),
        ("/v1/tickets/{ticket_id}/comments", "post"),
    } <= followed
    for item in document["paths"].values():  # every link names a real operation and parameter
        for operation in item.values():
            for response in operation.get("responses", {}).values():
                for link in response.get("links", {}).values():
                    path, method = _target(document, link)
                    names = {p["name"] for p in document["paths"][path][method]["parameters"]}
                    assert set(link["parameters"]) <= names


async def test_the_document_links_new_people_to_their_reads_changes_and_members(
    api: Api,
) -> None:
    document = (await api.client.get("/openapi.json")).json()

    def followed(path: str) -> set[tuple[str, str]]:
        links = document["paths"][path]["post"]["responses"]["201"]["links"]
        return {_target(document, link) for link in links.values()}

    assert followed("/v1/users") == {
        ("/v1/users/{user_id}", "get"),
        ("/v1/users/{user_id}", "patch"),
    }
    assert followed("/v1/organizations") == {
        ("/v1/organizations/{organization_id}", "get"),
        ("/v1/organizations/{organization_id}", "patch"),
    }
    assert followed("/v1/groups") == {
        ("/v1/groups/{group_id}", "get"),
        ("/v1/groups/{group_id}", "patch"),
        ("/v1/groups/{group_id}/members", "post"),
        ("/v1/groups/{group_id}/members", "get"),
        ("/v1/groups/{group_id}/members/{user_id}", "delete"),
    }


def _target(document: dict[str, Any], link: dict[str, Any]) -> tuple[str, str]:
    pointer = link["operationRef"].removeprefix("#/paths/")
    raw_path, _, method = pointer.rpartition("/")
    path = raw_path.replace("~1", "/").replace("~0", "~")
    assert method in document["paths"][path], link
    return path, method
