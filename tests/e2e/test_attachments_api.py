"""Attachments over HTTP (SPEC §14) on SQLite and PostgreSQL with the filesystem store: upload
(raw and multipart), attach by token once and only by the uploader, comments listing their
files, download with its headers, Range, ETag, the visibility of notes' files, the limits,
the sweep of expired uploads and the files of a deleted ticket."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tessera.bootstrap.container import Overrides
from tessera.bootstrap.settings import StorageSettings
from tests.e2e.conftest import ADMIN_SECRET as ADMIN
from tests.e2e.conftest import Api, serve_api
from tests.support import FrozenClock

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
LAST = len(PNG) - 1
LIMIT = 64 * 1024


@pytest.fixture
async def files(database_url: str, clock: FrozenClock, tmp_path: Path) -> AsyncIterator[Api]:
    storage = StorageSettings(
        directory=tmp_path / "blobs",
        max_file_bytes=LIMIT,
        max_files=2,
        refused_types=["application/x-msdownload"],
    )
    async for api in serve_api(database_url, Overrides(clock=clock), storage=storage):
        yield api


def blob_files(tmp_path: Path) -> list[Path]:
    root = tmp_path / "blobs"
    return [p for p in root.rglob("*") if p.is_file() and "incoming" not in p.parts]


async def upload(
    api: Api,
    secret: str,
    data: bytes = PNG,
    *,
    name: str = "shot.png",
    content_type: str | None = "image/png",
) -> dict[str, Any]:
    headers = api.auth(secret)
    if content_type is not None:
        headers["Content-Type"] = content_type
    response = await api.client.post(
        "/v1/uploads", params={"filename": name}, content=data, headers=headers
    )
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def comment(
    api: Api, secret: str, ticket_id: int, tokens: list[str], *, public: bool = True
) -> httpx.Response:
    return await api.client.post(
        f"/v1/tickets/{ticket_id}/comments",
        json={"body": "see attached", "public": public, "uploads": tokens},
        headers=api.auth(secret),
    )


async def download(api: Api, secret: str, attachment_id: int, **headers: str) -> httpx.Response:
    return await api.client.get(
        f"/v1/attachments/{attachment_id}/content", headers={**api.auth(secret), **headers}
    )


async def test_a_raw_upload_answers_its_token_and_metadata(files: Api) -> None:
    answer = await upload(files, ADMIN)
    assert answer["token"].startswith("upl_")
    assert answer["attachment"] == {
        "id": answer["attachment"]["id"],
        "filename": "shot.png",
        "content_type": "image/png",
        "size": len(PNG),
        "sha256": hashlib.sha256(PNG).hexdigest(),
    }


async def test_a_multipart_upload_takes_the_file_part(files: Api) -> None:
    response = await files.client.post(
        "/v1/uploads",
        files={"file": ("../../etc/report.pdf", b"%PDF-1.7 body", "application/pdf")},
        data={"note": "ignored"},
        headers=files.admin,
    )
    assert response.status_code == 201, response.text
    attachment = response.json()["attachment"]
    assert (attachment["filename"], attachment["content_type"]) == ("report.pdf", "application/pdf")
    assert attachment["size"] == len(b"%PDF-1.7 body")


async def test_a_multipart_body_without_a_file_is_refused(files: Api) -> None:
    body = b'--b\r\nContent-Disposition: form-data; name="other"\r\n\r\nx\r\n--b--\r\n'
    headers = files.admin | {"Content-Type": "multipart/form-data; boundary=b"}
    response = await files.client.post("/v1/uploads", content=body, headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["details"][0]["field"] == "file"
    garbled = await files.client.post("/v1/uploads", content=b"no boundary here", headers=headers)
    assert garbled.status_code == 422


async def test_filenames_are_sanitised(files: Api) -> None:
    answer = await upload(files, ADMIN, name="C:\\temp\\..\\\u202eevil\x07.png")
    assert answer["attachment"]["filename"] == "evil.png"
    long = await upload(files, ADMIN, name="a" * 300 + ".txt")
    assert long["attachment"]["filename"] == "a" * 251 + ".txt"


async def test_a_generic_or_missing_type_is_taken_from_the_bytes(files: Api) -> None:
    generic = await upload(files, ADMIN, content_type="application/octet-stream")
    assert generic["attachment"]["content_type"] == "image/png"
    text = await upload(files, ADMIN, b"plain words\n", name="a", content_type=None)
    assert text["attachment"]["content_type"] == "text/plain"
    declared = await upload(files, ADMIN, PNG, content_type="image/x-custom")
    assert declared["attachment"]["content_type"] == "image/x-custom"


async def test_a_file_over_the_limit_is_413_in_the_envelope(files: Api) -> None:
    response = await files.client.post(
        "/v1/uploads",
        params={"filename": "big.bin"},
        content=b"x" * (LIMIT + 1),
        headers=files.admin,
    )
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


async def test_a_refused_type_is_415_declared_or_sniffed(files: Api, tmp_path: Path) -> None:
    for content_type in ("application/x-msdownload", None):
        headers = files.admin | ({"Content-Type": content_type} if content_type else {})
        response = await files.client.post(
            "/v1/uploads", params={"filename": "a.exe"}, content=b"MZ\x90\x00", headers=headers
        )
        assert response.status_code == 415, response.text
        assert response.json()["code"] == "unsupported_media_type"
    assert blob_files(tmp_path) == []


async def test_a_comment_lists_the_files_it_attached(files: Api) -> None:
    ticket = await files.create_ticket()
    first = await upload(files, ADMIN)
    second = await upload(files, ADMIN, b"log line\n", name="app.log", content_type=None)
    response = await comment(files, ADMIN, ticket["id"], [first["token"], second["token"]])
    assert response.status_code == 201, response.text
    assert [a["id"] for a in response.json()["attachments"]] == [
        first["attachment"]["id"],
        second["attachment"]["id"],
    ]
    thread = await files.client.get(f"/v1/tickets/{ticket['id']}/comments", headers=files.admin)
    assert [a["filename"] for a in thread.json()["data"][0]["attachments"]] == [
        "shot.png",
        "app.log",
    ]


async def test_a_token_attaches_once(files: Api) -> None:
    ticket = await files.create_ticket()
    token = (await upload(files, ADMIN))["token"]
    assert (await comment(files, ADMIN, ticket["id"], [token])).status_code == 201
    again = await comment(files, ADMIN, ticket["id"], [token])
    assert again.status_code == 422
    assert again.json()["details"][0]["field"] == "uploads.0"


async def test_a_token_is_usable_only_by_its_uploader(files: Api) -> None:
    ticket = await files.create_ticket()
    other = await files.token("agent", name="other")
    token = (await upload(files, ADMIN))["token"]
    refused = await comment(files, other, ticket["id"], [token])
    assert refused.status_code == 422
    assert (await comment(files, ADMIN, ticket["id"], [token])).status_code == 201


async def test_a_failed_comment_leaves_the_token_usable(files: Api) -> None:
    ticket = await files.create_ticket()
    token = (await upload(files, ADMIN))["token"]
    bad = await files.client.post(
        f"/v1/tickets/{ticket['id']}/comments",
        json={"body": "", "uploads": [token]},
        headers=files.admin,
    )
    assert bad.status_code == 422
    assert (await comment(files, ADMIN, ticket["id"], [token])).status_code == 201


async def test_files_per_comment_are_limited(files: Api) -> None:
    ticket = await files.create_ticket()
    tokens = [(await upload(files, ADMIN, PNG + bytes([i])))["token"] for i in range(3)]
    response = await comment(files, ADMIN, ticket["id"], tokens)
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "uploads"


async def test_a_new_ticket_attaches_its_uploads(files: Api) -> None:
    token = (await upload(files, ADMIN))["token"]
    ticket = await files.create_ticket(uploads=[token])
    listed = await files.client.get(f"/v1/tickets/{ticket['id']}/attachments", headers=files.admin)
    assert [a["filename"] for a in listed.json()["data"]] == ["shot.png"]
    history = await files.client.get(f"/v1/tickets/{ticket['id']}/history", headers=files.admin)
    created = next(e for e in history.json()["data"] if e["type"] == "ticket.created")
    assert created["data"]["attachments"][0]["sha256"] == hashlib.sha256(PNG).hexdigest()
    assert "content" not in created["data"]["attachments"][0]


async def test_the_comment_event_carries_metadata_never_bytes(files: Api) -> None:
    ticket = await files.create_ticket()
    sent = await upload(files, ADMIN)
    await comment(files, ADMIN, ticket["id"], [sent["token"]])
    history = await files.client.get(f"/v1/tickets/{ticket['id']}/history", headers=files.admin)
    commented = next(e for e in history.json()["data"] if e["type"] == "ticket.commented")
    assert commented["data"]["attachments"] == [sent["attachment"]]


async def test_the_download_streams_the_bytes_with_safe_headers(files: Api) -> None:
    ticket = await files.create_ticket()
    sent = await upload(files, ADMIN, name='résumé "final".png')
    await comment(files, ADMIN, ticket["id"], [sent["token"]])
    response = await download(files, ADMIN, sent["attachment"]["id"])
    assert response.status_code == 200
    assert response.content == PNG
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["etag"] == f'"{hashlib.sha256(PNG).hexdigest()}"'
    assert response.headers["content-disposition"] == (
        'attachment; filename="r_sum_ _final_.png"; '
        "filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22.png"
    )
    assert response.headers["content-length"] == str(len(PNG))


async def test_if_none_match_with_the_etag_is_304(files: Api) -> None:
    ticket = await files.create_ticket()
    sent = await upload(files, ADMIN)
    await comment(files, ADMIN, ticket["id"], [sent["token"]])
    first = await download(files, ADMIN, sent["attachment"]["id"])
    again = await download(
        files, ADMIN, sent["attachment"]["id"], **{"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304
    assert again.content == b""
    other = await download(files, ADMIN, sent["attachment"]["id"], **{"If-None-Match": '"nope"'})
    assert other.status_code == 200


@pytest.mark.parametrize(
    ("asked", "start", "end"),
    [("bytes=0-9", 0, 9), ("bytes=100-", 100, LAST), ("bytes=-8", LAST - 7, LAST),
     ("bytes=1000-99999", 1000, LAST)],
)  # fmt: skip
async def test_a_range_is_206_with_those_bytes(
    files: Api, asked: str, start: int, end: int
) -> None:
    ticket = await files.create_ticket()
    sent = await upload(files, ADMIN)
    await comment(files, ADMIN, ticket["id"], [sent["token"]])
    response = await download(files, ADMIN, sent["attachment"]["id"], Range=asked)
    assert response.status_code == 206
    assert response.content == PNG[start : end + 1]
    assert response.headers["content-range"] == f"bytes {start}-{end}/{len(PNG)}"


async def test_a_range_past_the_end_is_416(files: Api) -> None:
    ticket = await files.create_ticket()
    sent = await upload(files, ADMIN)
    await comment(files, ADMIN, ticket["id"], [sent["token"]])
    response = await download(files, ADMIN, sent["attachment"]["id"], Range=f"bytes={len(PNG)}-")
    assert response.status_code == 416
    assert response.json()["code"] == "range_not_satisfiable"
    assert response.headers["content-range"] == f"bytes */{len(PNG)}"


async def test_an_internal_notes_files_are_404_for_the_requester(files: Api) -> None:
    requester = await files.token("requester", email="bob@example.com", name="bob")
    ticket = await files.create_ticket()
    note = await upload(files, ADMIN, PNG, name="note.png")
    reply = await upload(files, ADMIN, PNG + b"!", name="reply.png")
    await comment(files, ADMIN, ticket["id"], [note["token"]], public=False)
    await comment(files, ADMIN, ticket["id"], [reply["token"]])
    assert (await download(files, requester, note["attachment"]["id"])).status_code == 404
    assert (await download(files, requester, reply["attachment"]["id"])).status_code == 200
    assert (await download(files, ADMIN, note["attachment"]["id"])).status_code == 200
    listed = await files.client.get(
        f"/v1/tickets/{ticket['id']}/attachments", headers=files.auth(requester)
    )
    assert [a["filename"] for a in listed.json()["data"]] == ["reply.png"]


async def test_another_customers_files_are_404(files: Api) -> None:
    stranger = await files.token("requester", email="eve@example.com", name="eve")
    ticket = await files.create_ticket()
    sent = await upload(files, ADMIN)
    await comment(files, ADMIN, ticket["id"], [sent["token"]])
    missing = await download(files, stranger, sent["attachment"]["id"])
    assert missing.status_code == 404
    assert missing.json()["code"] == "attachment_not_found"


async def test_an_upload_not_attached_is_only_for_its_uploader(files: Api) -> None:
    other = await files.token("agent", name="other")
    sent = await upload(files, ADMIN)
    assert (await download(files, ADMIN, sent["attachment"]["id"])).status_code == 200
    assert (await download(files, other, sent["attachment"]["id"])).status_code == 404


async def test_identical_files_are_stored_once(files: Api, tmp_path: Path) -> None:
    first = await upload(files, ADMIN)
    second = await upload(files, ADMIN, name="again.png")
    assert first["attachment"]["id"] != second["attachment"]["id"]
    assert len(blob_files(tmp_path)) == 1


async def test_expired_uploads_are_swept_with_their_bytes(
    files: Api, clock: FrozenClock, tmp_path: Path
) -> None:
    ticket = await files.create_ticket()
    kept = await upload(files, ADMIN, PNG, name="kept.png")
    await comment(files, ADMIN, ticket["id"], [kept["token"]])
    lost = await upload(files, ADMIN, b"forgotten bytes", name="lost.txt")
    clock.advance(hours=23)
    assert await files.container.services.sweep_uploads() == 0
    clock.advance(hours=1, seconds=1)
    assert await files.container.services.sweep_uploads() == 1
    assert (await download(files, ADMIN, lost["attachment"]["id"])).status_code == 404
    assert (await comment(files, ADMIN, ticket["id"], [lost["token"]])).status_code == 422
    assert len(blob_files(tmp_path)) == 1  # the attached file's bytes stay
    assert (await download(files, ADMIN, kept["attachment"]["id"])).status_code == 200


async def test_deleting_a_ticket_removes_files_nothing_else_names(
    files: Api, tmp_path: Path
) -> None:
    doomed = await files.create_ticket()
    other = await files.create_ticket()
    only = await upload(files, ADMIN, b"only here", name="a.txt")
    shared = await upload(files, ADMIN, PNG, name="b.png")
    shared_again = await upload(files, ADMIN, PNG, name="c.png")
    await comment(files, ADMIN, doomed["id"], [only["token"], shared["token"]])
    await comment(files, ADMIN, other["id"], [shared_again["token"]])
    assert len(blob_files(tmp_path)) == 2
    deleted = await files.client.delete(f"/v1/tickets/{doomed['id']}", headers=files.admin)
    assert deleted.status_code == 204
    assert len(blob_files(tmp_path)) == 1
    assert (await download(files, ADMIN, only["attachment"]["id"])).status_code == 404
    kept = await download(files, ADMIN, shared_again["attachment"]["id"])
    assert kept.content == PNG


async def test_the_document_describes_upload_and_download_exactly(api: Api) -> None:
    paths = (await api.client.get("/openapi.json")).json()["paths"]
    upload_op = paths["/v1/uploads"]["post"]
    assert set(upload_op["requestBody"]["content"]) == {
        "application/octet-stream",
        "*/*",
        "multipart/form-data",
    }
    assert {"201", "401", "413", "415", "422"} <= set(upload_op["responses"])
    download_op = paths["/v1/attachments/{attachment_id}/content"]["get"]
    assert {"200", "206", "304", "404", "416"} <= set(download_op["responses"])
    assert "Content-Range" in download_op["responses"]["206"]["headers"]
    assert download_op["responses"]["200"]["content"]["*/*"]["schema"]["format"] == "binary"
    comment_body = paths["/v1/tickets/{ticket_id}/comments"]["post"]["requestBody"]
    schema_ref = comment_body["content"]["application/json"]["schema"]["$ref"]
    schemas = (await api.client.get("/openapi.json")).json()["components"]["schemas"]
    assert "uploads" in schemas[schema_ref.rsplit("/", 1)[-1]]["properties"]


async def test_two_comments_racing_for_one_token_attach_it_once(files: Api) -> None:
    ticket = await files.create_ticket()
    token = (await upload(files, ADMIN))["token"]
    answers = await asyncio.gather(
        *(comment(files, ADMIN, ticket["id"], [token]) for _ in range(2))
    )
    assert sorted(a.status_code for a in answers) == [201, 422]
    listed = await files.client.get(f"/v1/tickets/{ticket['id']}/attachments", headers=files.admin)
    assert len(listed.json()["data"]) == 1


async def test_a_declared_json_file_of_binary_bytes_is_served_as_what_they_are(
    files: Api,
) -> None:
    made = await upload(files, ADMIN, b"\x93\x9f\xff\xfe binary", content_type="application/json")
    assert made["attachment"]["content_type"] == "application/octet-stream"
    got = await download(files, ADMIN, made["attachment"]["id"])
    assert got.status_code == 200
    assert got.headers["content-type"] == "application/octet-stream"
    kept = await upload(files, ADMIN, b'{"real": "json"}', content_type="application/json")
    assert kept["attachment"]["content_type"] == "application/json"


async def test_a_short_text_file_with_a_bad_last_byte_is_not_served_as_text(files: Api) -> None:
    made = await upload(files, ADMIN, b"a\x8c", content_type="text/yaml")
    assert made["attachment"]["content_type"] == "application/octet-stream"
