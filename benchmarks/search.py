"""Search and page-depth benchmark on PostgreSQL: seed N tickets, then time reads.

    .venv/bin/python -m benchmarks.search --tickets 100000 --queries 300 --pages 1000 --repeats 200

Creates (and drops first) the database ``tessera_bench_search`` on the server of
``--url``, migrates it, seeds synthetic tickets, and times, through the application's reader:

- the same query the API runs for ``GET /v1/tickets?q=...`` (first page of 25, newest
  first): p50/p95/p99 per kind of term;
- list pages by depth, for the default list (newest first, 25 a page) and for one status
  filter: it follows ``next_cursor`` from page 1 to page ``--pages``, then reads page 1 and
  that deepest page (with its cursor) ``--repeats`` times each, alternately, and gives
  p50/p95/p99 of both and the ratio of their p50s (keyset pagination: it should be ~1).

Prints both tables and writes them to ``benchmarks/results/search.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from benchmarks.seed import WORDS, seed_tickets
from tessera.application.queries import ListTickets
from tessera.domain.tickets.status import Status
from tessera.infrastructure.persistence import schema
from tessera.infrastructure.persistence.engine import create_engine
from tessera.infrastructure.persistence.readers import SqlAlchemyTicketReader

DATABASE = "tessera_bench_search"
RESULTS = Path(__file__).parent / "results" / "search.md"

# The lists timed by depth: what the API serves by default, and one status filter.
LISTS = {
    "default (newest first)": ListTickets(),
    "status=open": ListTickets(statuses=(Status.OPEN,)),
}


@dataclass(frozen=True)
class Depth:
    """Timings (ms) of a list's first page and of its deepest page reached by cursors."""

    page: int  # the deepest page's number (fewer than asked if the list ends sooner)
    walk_ms: float  # following the cursors from page 1 to that page, once
    first: list[float]
    deepest: list[float]


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
    kinds: dict[str, Callable[[], str]] = {
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


async def measure_depth(url: str, pages: int, repeats: int) -> dict[str, Depth]:
    engine = create_engine(url)
    reader = SqlAlchemyTicketReader(engine)
    depths: dict[str, Depth] = {}
    for name, first in LISTS.items():
        started = time.perf_counter()
        deepest, page, result = first, 1, await reader.list(first)
        while page < pages and result.next_cursor is not None:
            deepest, page = replace(first, cursor=result.next_cursor), page + 1
            result = await reader.list(deepest)
        walk_ms = (time.perf_counter() - started) * 1000
        timings: tuple[list[float], list[float]] = ([], [])
        for _ in range(10):  # warm the cache and the connection pool
            await reader.list(first)
            await reader.list(deepest)
        for _ in range(repeats):  # alternately, so that both see the same conditions
            for query, values in zip((first, deepest), timings, strict=True):
                started = time.perf_counter()
                await reader.list(query)
                values.append((time.perf_counter() - started) * 1000)
        depths[name] = Depth(page=page, walk_ms=walk_ms, first=timings[0], deepest=timings[1])
    await engine.dispose()
    return depths


def _quantiles(values: list[float]) -> str:
    q = statistics.quantiles(values, n=100)
    return f"{statistics.median(values):.2f} | {q[94]:.2f} | {q[98]:.2f}"


def report_depth(tickets: int, repeats: int, depths: dict[str, Depth]) -> str:
    lines = [
        f"List pages by depth, {tickets:,} tickets in PostgreSQL, 25 per page, following "
        f"next_cursor; {repeats} reads per row (page 1 and the deep page alternately)",
        "",
        "| list | page | p50 ms | p95 ms | p99 ms | p50 / page 1 p50 | walk from page 1 s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, depth in depths.items():
        ratio = statistics.median(depth.deepest) / statistics.median(depth.first)
        lines.append(f"| {name} | 1 | {_quantiles(depth.first)} | 1.00 | |")
        lines.append(
            f"| {name} | {depth.page} | {_quantiles(depth.deepest)} | {ratio:.2f} "
            f"| {depth.walk_ms / 1000:.1f} |"
        )
    return "\n".join(lines) + "\n"


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
    parser.add_argument("--pages", type=int, default=1000, help="the deep page's number")
    parser.add_argument("--repeats", type=int, default=200, help="reads of page 1 and deep page")
    args = parser.parse_args()

    async def run() -> str:
        url = await prepare(args.url, args.tickets)
        search = report(args.tickets, args.queries, await measure(url, args.queries))
        print(search)
        depth = report_depth(
            args.tickets, args.repeats, await measure_depth(url, args.pages, args.repeats)
        )
        print(depth)
        return search + "\n" + depth

    tables = asyncio.run(run())
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(tables)


if __name__ == "__main__":
    main()
