"""Read benchmark: a cached ``GET /v1/tickets/{id}`` against the bare framework ceiling.

    .venv/bin/python -m benchmarks.read              # PostgreSQL + Redis on localhost
    .venv/bin/python -m benchmarks.read --embedded   # SQLite, in-process cache only

Starts ``tessera serve`` (one uvicorn worker) on a free loopback port, creates a ticket,
warms the cache, then drives each scenario with ``wrk`` for ``--seconds``: the bare
endpoint (constant JSON through the same app and middleware), the cached ticket read, and
a cached read with ``If-None-Match`` (304). Prints requests/s, p50 and p99 per scenario and
the ratio to the ceiling, and writes the table to ``benchmarks/results/read.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

RESULTS = Path(__file__).parent / "results" / "read.md"
ADMIN = "tsr_benchmark-admin-token-0123456789abcdefghij"
PG = "postgresql://postgres@127.0.0.1:5432/tessera_bench_read"


@dataclass
class Figures:
    name: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def recreate_postgres_database() -> None:
    admin = ["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c"]
    subprocess.run([*admin, "DROP DATABASE IF EXISTS tessera_bench_read WITH (FORCE)"], check=True)
    subprocess.run([*admin, "CREATE DATABASE tessera_bench_read"], check=True)


def start_server(embedded: bool, workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "TESSERA_ENV": "development",
        "TESSERA_BOOTSTRAP_ADMIN_TOKEN": ADMIN,
        "TESSERA_HTTP_BENCHMARK_ROUTES": "true",
        "TESSERA_LOG_LEVEL": "WARNING",
        # The limiter runs on every request (as in production) but must not refuse the load.
        "TESSERA_RATE_LIMIT_READS_PER_MINUTE": "1000000000",
        "TESSERA_RATE_LIMIT_ANONYMOUS_PER_MINUTE": "1000000000",
    }
    if embedded:
        env["TESSERA_DATABASE_URL"] = f"sqlite:///{workdir / 'bench.db'}"
    else:
        recreate_postgres_database()
        env["TESSERA_DATABASE_URL"] = PG
        env["TESSERA_REDIS_URL"] = "redis://127.0.0.1:6379/15"
    process = subprocess.Popen(
        [sys.executable, "-m", "tessera.bootstrap.cli", "serve", "--port", str(port)],
        env=env,
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return process, base
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("tessera did not start")


def wrk(url: str, *, seconds: int, connections: int, headers: dict[str, str]) -> Figures:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx or 3xx responses" in output:
        raise SystemExit(f"errors during the run:\n{output}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    return Figures(url, rps, _percentile(output, "50%"), _percentile(output, "99%"))


def _percentile(output: str, label: str) -> float:
    value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", output).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embedded", action="store_true", help="SQLite and L1 only")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")

    with tempfile.TemporaryDirectory() as tmp:
        process, base = start_server(args.embedded, Path(tmp))
        try:
            auth = {"Authorization": f"Bearer {ADMIN}"}
            created = httpx.post(
                f"{base}/v1/tickets",
                headers=auth,
                json={
                    "title": "Benchmark ticket",
                    "description": "Read again and again by the benchmark.",
                    "customer_email": "bench@example.com",
                    "tags": ["bench"],
                },
            ).json()
            url = f"{base}/v1/tickets/{created['id']}"
            etag = httpx.get(url, headers=auth).headers["etag"]
            runs = [
                ("bare endpoint (ceiling)", f"{base}/bench/bare", {}),
                ("cached GET /v1/tickets/{id}", url, auth),
                ("cached GET, If-None-Match (304)", url, {**auth, "If-None-Match": etag}),
            ]
            for _, target, headers in runs:  # warm up: caches, connections, JIT-free paths
                wrk(target, seconds=2, connections=args.connections, headers=headers)
            figures = [
                (name, wrk(target, seconds=args.seconds, connections=args.connections, headers=h))
                for name, target, h in runs
            ]
        finally:
            process.terminate()
            process.wait(timeout=20)

    ceiling = figures[0][1].requests_per_second
    shape = "SQLite, L1 only" if args.embedded else "PostgreSQL + Redis (L1 + L2)"
    lines = [
        f"Read benchmark: {shape}; one uvicorn worker; wrk -t1 -c{args.connections} "
        f"-d{args.seconds}s on the same machine ({os.cpu_count()} cores, "
        f"Python {platform.python_version()})",
        "",
        "| scenario | requests/s | p50 ms | p99 ms | of ceiling |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, result in figures:
        share = result.requests_per_second / ceiling * 100
        lines.append(
            f"| {name} | {result.requests_per_second:,.0f} | {result.p50_ms:.2f} "
            f"| {result.p99_ms:.2f} | {share:.0f}% |"
        )
    table = "\n".join(lines) + "\n"
    print(table)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(table)


if __name__ == "__main__":
    main()
