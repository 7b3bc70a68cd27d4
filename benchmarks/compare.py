"""Tessera against bare anchor apps in one run: ``make bench`` (``BENCH_QUICK=1``: short rounds).

    .venv/bin/python -m benchmarks.compare [--rounds 4] [--seconds 8] [--connections 32]

Creates two PostgreSQL databases with Tessera's schema and 100,000 tickets each (one for
Tessera, one for the anchors), then starts, each on its own loopback port with the same
uvicorn command line (one worker, uvloop, httptools, no uvicorn access log):

- the anchors of ``benchmarks/anchors.py`` (FastAPI and asyncpg only, no Tessera code);
- Tessera in production settings on PostgreSQL + Redis, in the production shape of one
  host (SPEC §2: ``serve`` and a ``tessera worker``, the events through Redis Streams),
  everything on: authentication, authorisation, rate limiting (limits raised so that it
  never refuses), ETags, metrics, the access log (at INFO), tracing as shipped;
- Tessera embedded (SQLite, no Redis), the same way.

Every scenario pairs a Tessera request with its anchor; each round measures every pair with
``wrk`` back to back, the order within a pair flipping from one round to the next. The table
shows medians over the rounds (req/s, p50, p99) and the median of the per-round ratios, and is
written to ``benchmarks/results/compare.md``. Beside it, each server process's CPU time per
request (from ``/proc``), which other load on the machine disturbs far less than req/s, and
the worker's beside Tessera's (the relay and consumers that a write sets to work, until they
have handled every event of the run).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import text

from benchmarks.seed import seed_tickets
from tessera.infrastructure.persistence import schema
from tessera.infrastructure.persistence.engine import create_engine

RESULTS = Path(__file__).parent / "results" / "compare.md"
ADMIN = "tsr_benchmark-admin-token-0123456789abcdefghij"
POSTGRES = "postgresql://postgres@127.0.0.1:5432"
ASYNCPG = POSTGRES.replace("postgresql:", "postgresql+asyncpg:")
TICKETS = 100_000
UVICORN = ["--workers", "1", "--loop", "uvloop", "--http", "httptools", "--no-access-log"]
TICKET_BODY = (
    '{"title": "Printer on fire", "description": "It was fine yesterday.", '
    '"customer_email": "bench@example.com"}'
)


@dataclass(frozen=True)
class Target:
    server: str  # "anchor", "tessera" or "embedded"
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    script: str | None = None  # "ids" (a fresh id per request) or "post"


@dataclass(frozen=True)
class Scenario:
    name: str
    anchor_name: str
    anchor: Target
    tessera: Target
    target: str  # the ratio the issue asks for


@dataclass(frozen=True)
class Figures:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    cpu_us: float  # the server process's CPU time per request
    worker_cpu_us: float = 0.0  # the worker's, for Tessera's rows


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base: str

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mib(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def prepare_database(name: str) -> str:
    """A fresh PostgreSQL database with Tessera's schema; its URL."""
    admin = create_engine(f"{ASYNCPG}/postgres")
    async with admin.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        await conn.execute(text(f"CREATE DATABASE {name}"))
    await admin.dispose()
    engine = create_engine(f"{ASYNCPG}/{name}")
    await schema.upgrade(engine)
    await engine.dispose()
    return f"{POSTGRES}/{name}"


async def seed(url: str) -> None:
    engine = create_engine(url.replace("postgresql:", "postgresql+asyncpg:"))
    await seed_tickets(engine, TICKETS)
    await engine.dispose()


async def prepare_databases(workdir: Path) -> tuple[str, str, str]:
    """Tessera's, the anchors' and the embedded database, side by side."""
    tessera = await prepare_database("tessera_bench")  # one after the other: Alembic's
    anchor = await prepare_database("tessera_bench_anchor")  # context is process-wide
    embedded = f"sqlite+aiosqlite:///{workdir / 'embedded.db'}"
    engine = create_engine(embedded)
    await schema.upgrade(engine)
    await engine.dispose()
    started = time.perf_counter()
    await asyncio.gather(seed(tessera), seed(anchor))
    print(f"  {TICKETS:,} tickets in each database in {time.perf_counter() - started:.1f} s")
    return tessera, anchor, embedded


def start(app: list[str], env: dict[str, str], workdir: Path, ready: str) -> Server:
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", *app, "--host", "127.0.0.1", "--port", str(port)]
    log = (workdir / f"{port}.log").open("wb")
    process = subprocess.Popen(
        [*command, *UVICORN], env={**os.environ, **env}, cwd=workdir, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + ready, timeout=1).status_code == 200:
                return Server(process, base)
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit(f"{' '.join(app)} did not start; see {log.name}")


def tessera_env(
    database_url: str, redis_url: str | None, *, namespace: str | None = None
) -> dict[str, str]:
    env = {
        "TESSERA_ENV": "production",
        "TESSERA_DATABASE_URL": database_url,
        "TESSERA_BOOTSTRAP_ADMIN_TOKEN": ADMIN,
        "TESSERA_LOG_LEVEL": "INFO",
        # A namespace of its own per run: no cache entry of an earlier run is ever read.
        "TESSERA_NAMESPACE": namespace or f"bench{int(time.time())}",
        # The limiter runs on every request (as in production) but must not refuse the load.
        "TESSERA_RATE_LIMIT_READS_PER_MINUTE": "1000000000",
        "TESSERA_RATE_LIMIT_WRITES_PER_MINUTE": "1000000000",
    }
    if redis_url:
        env["TESSERA_REDIS_URL"] = redis_url
        env["TESSERA_BROKER_URL"] = redis_url  # serve + worker, as SPEC §2's one host
    return env


def start_worker(env: dict[str, str], workdir: Path) -> subprocess.Popen[bytes]:
    log = (workdir / "worker.log").open("wb")
    tessera = Path(sys.executable).parent / "tessera"
    return subprocess.Popen(
        [str(tessera), "worker"], env={**os.environ, **env}, cwd=workdir, stdout=log, stderr=log
    )


def lua(kind: str, path: str, first: int, last: int) -> str:
    if kind == "post":
        return (
            'wrk.method = "POST"\n'
            f"wrk.body = [[{TICKET_BODY}]]\n"
            'wrk.headers["Content-Type"] = "application/json"\n'
        )
    # One id after another through [first, last]: every request of the run reads a ticket
    # the run has not read before (a cache miss) unless it wraps around.
    return (
        f"local id = {first - 1}\n"
        "request = function()\n"
        f"  id = id + 1\n  if id > {last} then id = {first} end\n"
        f'  return wrk.format(nil, "{path}" .. id)\n'
        "end\n"
    )


class Runner:
    def __init__(
        self,
        servers: dict[str, Server],
        *,
        connections: int,
        workdir: Path,
        worker: Server | None = None,
    ) -> None:
        self.servers = servers
        self.worker = worker
        self.connections = connections
        self.workdir = workdir
        # Id ranges handed out per server, for reads that must miss every cache.
        self.slices = dict.fromkeys(servers, 0)
        self.slice_size = TICKETS

    def settle(self, *, most: float = 60.0) -> None:
        """Wait until the worker is done with what the last run gave it (a write run leaves
        events to relay), so that no run measures another one's background work."""
        deadline = time.monotonic() + most
        while self.worker is not None and time.monotonic() < deadline:
            before = self.worker.cpu_seconds()
            # A second spans two of the relay's idle polls (0.5 s): a backlog it has yet to
            # pick up cannot pass for quiet.
            time.sleep(1.0)
            if self.worker.cpu_seconds() - before < 0.05:  # under a twentieth of a core
                return

    def run(self, target: Target, seconds: int) -> Figures:
        command = ["wrk", "-t1", f"-c{self.connections}", f"-d{seconds}s", "--latency"]
        for name, value in target.headers.items():
            command += ["-H", f"{name}: {value}"]
        url = self.servers[target.server].base + target.path
        if target.script is not None:
            first = 1 + self.slices[target.server] * self.slice_size
            if target.script == "ids":
                self.slices[target.server] += 1
            script = self.workdir / "request.lua"
            script.write_text(lua(target.script, target.path, first, first + self.slice_size - 1))
            command += ["-s", str(script)]
        server = self.servers[target.server]
        worker = self.worker if target.server == "tessera" else None
        cpu = server.cpu_seconds()
        worker_cpu = worker.cpu_seconds() if worker else 0.0
        output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
        cpu = server.cpu_seconds() - cpu
        if worker is not None:
            self.settle()  # the worker's share includes the events it was left to handle
        worker_cpu = (worker.cpu_seconds() if worker else 0.0) - worker_cpu
        if "Non-2xx or 3xx responses" in output:
            raise SystemExit(f"errors during the run of {url}:\n{output}")
        requests = int(_search(r"(\d+) requests in", output))
        if target.script == "ids" and requests > self.slice_size:
            print(f"  note: {requests} reads over {self.slice_size} ids (some hit a cache)")
        return Figures(
            float(_search(r"Requests/sec:\s+([\d.]+)", output)),
            _percentile(output, "50%"),
            _percentile(output, "99%"),
            requests,
            cpu / max(requests, 1) * 1e6,
            worker_cpu / max(requests, 1) * 1e6,
        )


def _search(pattern: str, output: str) -> str:
    found = re.search(pattern, output)
    if found is None:
        raise SystemExit(f"unexpected wrk output:\n{output}")
    return found.group(1)


def _percentile(output: str, label: str) -> float:
    found = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", output)
    if found is None:
        raise SystemExit(f"unexpected wrk output:\n{output}")
    return float(found.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[found.group(2)]


def scenarios(ticket: int, embedded_ticket: int, etag: str) -> list[Scenario]:
    auth = {"Authorization": f"Bearer {ADMIN}"}
    json_anchor = Target("anchor", "/json")
    return [
        Scenario(
            "cached `GET /v1/tickets/{id}`",
            "FastAPI constant JSON",
            json_anchor,
            Target("tessera", f"/v1/tickets/{ticket}", auth),
            ">= 1.0 (first step 0.6)",
        ),
        Scenario(
            "cached GET, `If-None-Match` (304)",
            "FastAPI constant JSON",
            json_anchor,
            Target("tessera", f"/v1/tickets/{ticket}", {**auth, "If-None-Match": etag}),
            ">= 1.0",
        ),
        Scenario(
            "embedded (SQLite) cached GET",
            "FastAPI constant JSON",
            json_anchor,
            Target("embedded", f"/v1/tickets/{embedded_ticket}", auth),
            ">= 1.0",
        ),
        Scenario(
            "uncached `GET /v1/tickets/{id}`",
            "FastAPI + asyncpg point read",
            Target("anchor", "/tickets/", script="ids"),
            Target("tessera", "/v1/tickets/", auth, script="ids"),
            ">= 0.9",
        ),
        Scenario(
            "list of 25 by status",
            "FastAPI + asyncpg list",
            Target("anchor", "/tickets?status=open&limit=25"),
            Target("tessera", "/v1/tickets?status=open&limit=25", auth),
            ">= 0.9",
        ),
        Scenario(
            "`POST /v1/tickets`",
            "FastAPI + asyncpg insert + outbox row",
            Target("anchor", "/tickets", script="post"),
            Target("tessera", "/v1/tickets", auth, script="post"),
            ">= 0.8",
        ),
    ]


def table(
    results: dict[str, tuple[list[Figures], list[Figures]]],
    plan: list[Scenario],
    header: str,
) -> str:
    lines = [
        header,
        "",
        "| scenario | anchor | anchor req/s | p50 ms | p99 ms | Tessera req/s | p50 ms "
        "| p99 ms | Tessera / anchor | target | CPU µs/req anchor / Tessera (+ worker) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for scenario in plan:
        anchors, tesseras = results[scenario.name]
        ratio = statistics.median(
            t.requests_per_second / a.requests_per_second
            for a, t in zip(anchors, tesseras, strict=True)
        )
        cells = [scenario.name, scenario.anchor_name]
        for runs in (anchors, tesseras):
            cells += [
                f"{statistics.median(r.requests_per_second for r in runs):,.0f}",
                f"{statistics.median(r.p50_ms for r in runs):.2f}",
                f"{statistics.median(r.p99_ms for r in runs):.2f}",
            ]
        cpu = [statistics.median(r.cpu_us for r in runs) for runs in (anchors, tesseras)]
        worker = statistics.median(r.worker_cpu_us for r in tesseras)
        spent = f"{cpu[0]:.0f} / {cpu[1]:.0f}" + (f" + {worker:.0f}" if worker >= 1 else "")
        cells += [f"{ratio:.2f}", scenario.target, spent]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    quick = os.environ.get("BENCH_QUICK", "") not in ("", "0")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=2 if quick else 6)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    with tempfile.TemporaryDirectory() as tmp:
        measure(args, Path(tmp))


def measure(args: argparse.Namespace, workdir: Path) -> None:
    print("preparing the databases", flush=True)
    tessera_db, anchor_db, embedded_db = asyncio.run(prepare_databases(workdir))
    tessera_app = ["--factory", "tessera.bootstrap.asgi:create_asgi_app"]
    production = tessera_env(tessera_db, "redis://127.0.0.1:6379/0")
    servers = {
        "anchor": start(
            ["benchmarks.anchors:app"],
            {"BENCH_ANCHOR_DSN": anchor_db, "PYTHONPATH": str(Path.cwd())},
            workdir,
            "/json",
        ),
        "tessera": start(tessera_app, production, workdir, "/readyz"),
        "embedded": start(tessera_app, tessera_env(embedded_db, None), workdir, "/readyz"),
    }
    worker = start_worker(production, workdir)  # once serve has opened the database
    try:
        idle = {name: server.rss_mib() for name, server in servers.items()}
        auth = {"Authorization": f"Bearer {ADMIN}"}
        first = httpx.get(f"{servers['tessera'].base}/v1/tickets/1", headers=auth)
        embedded = httpx.post(
            f"{servers['embedded'].base}/v1/tickets",
            headers={**auth, "Content-Type": "application/json"},
            content=TICKET_BODY,
        ).json()["id"]
        plan = scenarios(1, embedded, first.headers["etag"])
        runner = Runner(
            servers,
            connections=args.connections,
            workdir=workdir,
            worker=Server(worker, servers["tessera"].base),
        )
        runner.slice_size = TICKETS // (args.rounds + 1)
        warm = min(2, args.seconds)
        print("warming up", flush=True)
        for scenario in plan:
            runner.run(scenario.anchor, warm)
            runner.run(scenario.tessera, warm)
            runner.settle()
        results: dict[str, tuple[list[Figures], list[Figures]]] = {s.name: ([], []) for s in plan}
        for round_number in range(args.rounds):
            print(f"round {round_number + 1} of {args.rounds}", flush=True)
            for scenario in plan:
                anchors, tesseras = results[scenario.name]
                pair = [(scenario.anchor, anchors), (scenario.tessera, tesseras)]
                for target, into in pair if round_number % 2 == 0 else reversed(pair):
                    into.append(runner.run(target, args.seconds))
                    runner.settle()
        loaded = {name: server.rss_mib() for name, server in servers.items()}
    finally:
        for process in (*(server.process for server in servers.values()), worker):
            process.terminate()
            process.wait(timeout=30)
    header = (
        f"`make bench`: {args.rounds} interleaved rounds of {args.seconds:g} s per run, "
        f"wrk -t1 -c{args.connections}, one uvicorn worker each ({' '.join(UVICORN)}), "
        "Tessera as serve + `tessera worker` (Redis Streams), "
        f"{TICKETS:,} tickets, PostgreSQL + Redis on the same machine ({os.cpu_count()} cores, "
        f"Python {platform.python_version()}); medians over the rounds"
    )
    memory = "RSS MiB idle -> after load: " + ", ".join(
        f"{name} {idle[name]:.0f} -> {loaded[name]:.0f}" for name in servers
    )
    report = table(results, plan, header) + "\n" + memory + "\n"
    print("\n" + report)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(report)


if __name__ == "__main__":
    main()
