"""A 200 MiB file up (raw, then multipart) and down through real uvicorn while the server's
resident memory grows by less than 50 MiB: the bytes are streamed both ways, never held
whole (SPEC §14)."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import ADMIN_SECRET
from tests.servers import TesseraProcess

MIB = 1024 * 1024
SIZE = 200 * MIB
GROWTH_LIMIT = 50 * MIB
AUTH = {"Authorization": f"Bearer {ADMIN_SECRET}"}


def resident_bytes(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024  # kB
    raise AssertionError(f"no {field} for {pid}")


class PeakSampler:
    """The highest VmRSS seen, sampled every 20 ms in a thread of the test process."""

    def __init__(self, pid: int) -> None:
        self._pid = pid
        self.peak = resident_bytes(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, resident_bytes(self._pid))

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def pattern(total: int, digest: hashlib._Hash) -> Iterator[bytes]:
    """``total`` bytes in 1 MiB pieces that differ (no two pieces alike), hashed as sent."""
    sent = 0
    counter = 0
    while sent < total:
        piece = hashlib.sha256(counter.to_bytes(8, "big")).digest() * (MIB // 32)
        piece = piece[: total - sent]
        digest.update(piece)
        sent += len(piece)
        counter += 1
        yield piece


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_200_mib_file_goes_up_and_down_in_bounded_memory(tmp_path: Path) -> None:
    process = TesseraProcess(
        {
            "TESSERA_ENV": "development",
            "TESSERA_DATABASE_URL": f"sqlite:///{tmp_path / 'tessera.db'}",
            "TESSERA_BOOTSTRAP_ADMIN_TOKEN": ADMIN_SECRET,
            "TESSERA_RATE_LIMIT_ENABLED": "false",
            "TESSERA_LOG_LEVEL": "WARNING",
            "TESSERA_STORAGE_DIRECTORY": str(tmp_path / "blobs"),
            "TESSERA_STORAGE_MAX_FILE_BYTES": str(SIZE + MIB),
        },
        tmp_path,
    )
    process.start()
    try:
        with httpx.Client(base_url=process.base_url, headers=AUTH, timeout=120) as client:
            warm = client.post("/v1/uploads", params={"filename": "w.bin"}, content=b"w" * MIB)
            assert warm.status_code == 201, warm.text
            assert client.get(f"/v1/attachments/{warm.json()['attachment']['id']}/content")
            baseline = resident_bytes(process.pid)
            sent = hashlib.sha256()
            with PeakSampler(process.pid) as sampler:
                answer = client.post(
                    "/v1/uploads",
                    params={"filename": "big.bin"},
                    content=pattern(SIZE, sent),
                    headers={"Content-Type": "application/octet-stream"},
                )
                assert answer.status_code == 201, answer.text
                attachment = answer.json()["attachment"]
                received = hashlib.sha256()
                size = 0
                url = f"/v1/attachments/{attachment['id']}/content"
                with client.stream("GET", url) as download:
                    assert download.status_code == 200
                    for chunk in download.iter_bytes():
                        received.update(chunk)
                        size += len(chunk)
                on_disk = tmp_path / "big.bin"
                with on_disk.open("wb") as out:
                    for piece in pattern(SIZE, hashlib.sha256()):
                        out.write(piece)
                with on_disk.open("rb") as source:
                    form = client.post("/v1/uploads", files={"file": ("big.bin", source)})
                assert form.status_code == 201, form.text
    finally:
        process.stop()
    assert attachment["size"] == SIZE
    assert attachment["sha256"] == sent.hexdigest() == received.hexdigest()
    assert size == SIZE
    assert form.json()["attachment"]["sha256"] == sent.hexdigest()
    growth = sampler.peak - baseline
    print(f"server RSS: baseline {baseline / MIB:.1f} MiB, peak {sampler.peak / MIB:.1f} MiB")  # noqa: T201
    assert growth < GROWTH_LIMIT, f"the server grew by {growth / MIB:.1f} MiB"
