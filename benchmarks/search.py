"""Full-text search benchmark on PostgreSQL: seed N tickets, then time searches.

    .venv/bin/python -m benchmarks.search --tickets 100000 --queries 300

Creates (and drops first) the database ``tessera_bench_search`` on the server of
``--url``, migrates it, seeds synthetic tickets, and times the same query the API runs for
``GET /v1/tickets?q=...`` (first page of 25, newest first), through the application's reader.
Prints p50/p95/p99 per kind of term and writes the table to ``benchmarks/results/search.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from benchmarks.seed import WORDS, seed_tickets
from tessera.application.queries import ListTickets
from tessera.infrastructure.persistence import schema
from tessera.infrastructure.persistence.engine import create_engine
from tessera.infrastructure.persistence.readers import SqlAlchemyTicketReader

DATABASE = "tessera_bench_search"
RESULTS = Path(__file__).parent / "results" / "search.md"


async def prepare(url: str, tickets: int) -> str:
    admin = create_engine(url)
    async with admin.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        await conn.execute(text(f"CREATE DATABASE {DATABASE}"))
    await admin.dispose()
    target = make_url(url).set(database=DATABASE).render_as_string(hide_password=False)
    engine = create_engine(target)
    await schema.upgrade(engine)
    started = time.perf_counter()
    await seed_tickets(engine, tickets)
    print(f"seeded {tickets:,} tickets in {time.perf_counter() - started:.1f} s")
    await engine.dispose()
    return target


async def measure(url: str, queries: int) -> dict[str, list[float]]:
    engine = create_engine(url)
    reader = SqlAlchemyTicketReader(engine)
    rng = random.Random(7)
    kinds = {
        "rare word (0.1%)": lambda: "printer",
        "common word (4%)": lambda: rng.choice(WORDS),
        "two words": lambda: f"{rng.choice(WORDS)} {rng.choice(WORDS)}",
    }
    timings: dict[str, list[float]] = {kind: [] for kind in kinds}
    for kind, term in kinds.items():
        for _ in range(10):  # warm the cache and the connection pool
            await reader.list(ListTickets(q=term(), limit=25))
        for _ in range(queries):
            started = time.perf_counter()
            await reader.list(ListTickets(q=term(), limit=25))
            timings[kind].append((time.perf_counter() - started) * 1000)
    await engine.dispose()
    return timings


def report(tickets: int, queries: int, timings: dict[str, list[float]]) -> str:
    lines = [
        f"Full-text search, {tickets:,} tickets in PostgreSQL, {queries} queries per row, "
        "first page of 25 (newest first)",
        "",
        "| query | p50 ms | p95 ms | p99 ms |",
        "|---|---:|---:|---:|",
    ]
    for kind, values in timings.items():
        q = statistics.quantiles(values, n=100)
        lines.append(f"| {kind} | {statistics.median(values):.2f} | {q[94]:.2f} | {q[98]:.2f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()

    async def run() -> str:
        url = await prepare(args.url, args.tickets)
        return report(args.tickets, args.queries, await measure(url, args.queries))

    table = asyncio.run(run())
    print(table)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(table)


if __name__ == "__main__":
    main()
