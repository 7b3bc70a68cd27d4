"""Console view benchmark: the server time of one view page (50 tickets) at 100,000 tickets.

    .venv/bin/python -m benchmarks.console_view --tickets 100000 --renders 200

Creates (and drops first) the database ``tessera_bench_console`` on the PostgreSQL server of
``--url``, migrates it, seeds synthetic tickets (INSERT ... SELECT), creates an agent and
logs them in through the login use case. Then renders ``/console/views/<view>`` through the
whole application in process (httpx's ASGI transport: middleware, session, CSRF, the list of
50, the seven view counts, the filter options, Jinja2), ``--renders`` times after a warm-up,
and prints p50/p99 in milliseconds: for the list partial htmx asks for, for the counts the
live stream fetches again, for the full page of every view with ``--every-view``, and last,
on one line, for the full page of ``--view`` (its list of 50 and its counts: what a person
waits for). No network and no browser are involved: the figures are the server's time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import statistics
import time

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url

from benchmarks.seed import seed_tickets
from tessera.application.errors import ConflictError
from tessera.application.people.users import CreateUser
from tessera.application.web_sessions.sessions import LogIn
from tessera.bootstrap.container import build_container
from tessera.bootstrap.settings import DatabaseSettings, Environment, Settings
from tessera.infrastructure.persistence import schema
from tessera.infrastructure.persistence.engine import create_engine
from tessera.presentation.http.app import create_app
from tessera.presentation.http.middleware.rate_limit import RateLimits
from tessera.presentation.web.views import VIEWS

DATABASE = "tessera_bench_console"
PASSWORD = "correct horse battery staple"  # noqa: S105 - a throwaway agent
TARGET_MS = 50.0


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


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def measure(
    url: str, *, view: str, renders: int, warmup: int, every_view: bool = False
) -> None:
    settings = Settings(env=Environment.TEST, database=DatabaseSettings(url=url))
    container = build_container(settings)
    services = container.services
    with contextlib.suppress(ConflictError):  # --reuse: the agent is there already
        await services.create_user(
            CreateUser(
                name="Bench Agent", email="bench@example.com", role="agent", password=PASSWORD
            ),
            principal=None,
        )
    session = await services.log_in(
        LogIn(email="bench@example.com", password=PASSWORD, client="127.0.0.1")
    )
    # The API's own middleware stack, as `tessera serve` builds it (rate limiter included).
    app = create_app(
        services,
        rate_limiter=container.rate_limiter,
        # The limiter runs (its cost is part of every render) but never refuses a render.
        rate_limits=RateLimits(reads_per_minute=10**9),
        secure_cookies=False,
        access_log=lambda fields: None,  # timed here; a log line per render is noise
    )
    tickets = await _tickets(url)
    transport = httpx.ASGITransport(app=app)
    cookies = {"tessera_session": session.secret}
    partial = {"HX-Request": "true", "HX-Target": "ticket-list"}
    page = f"/console/views/{view}"
    timed = functools.partial(_timed, renders=renders, warmup=warmup)
    try:
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", cookies=cookies
        ) as client:
            _report(f"{page} list partial (htmx)", await timed(client, page, partial, 50, 0))
            counts = f"/console/counts?view={view}"
            _report(
                f"{counts} (on a live signal)", await timed(client, counts, {}, None, len(VIEWS))
            )
            for other in VIEWS if every_view else ():
                path = f"/console/views/{other.slug}"
                _report(f"{path} full page", await timed(client, path, {}, None, len(VIEWS)))
            full = await timed(client, page, {}, 50, len(VIEWS))
    finally:
        await container.close()
    p50, p99 = percentile(full, 0.5), percentile(full, 0.99)
    verdict = "within" if p99 < TARGET_MS else "OVER"
    print(
        f"FULL PAGE {page} (50 tickets and the {len(VIEWS)} view counts, "
        f"{tickets:,} tickets in PostgreSQL): p50 {p50:.1f} ms, p99 {p99:.1f} ms over "
        f"{renders} renders ({verdict} the {TARGET_MS:.0f} ms target)"
    )


async def _timed(
    client: httpx.AsyncClient,
    path: str,
    headers: dict[str, str],
    rows: int | None,
    counts: int,
    *,
    renders: int,
    warmup: int,
) -> list[float]:
    """Milliseconds per render; the warm-up's last answer must hold ``rows`` tickets (any
    number when None) and ``counts`` view counts."""
    for _ in range(warmup):
        answer = await client.get(path, headers=headers)
        assert answer.status_code == 200, answer.text[:500]
    if rows is not None:
        assert answer.text.count('class="ticket-link"') == rows, f"expected {rows} tickets"
    assert answer.text.count('class="count"') == counts, f"expected {counts} counts"
    timings: list[float] = []
    for _ in range(renders):
        started = time.perf_counter()
        answer = await client.get(path, headers=headers)
        timings.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200
    return timings


async def _tickets(url: str) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return int(await conn.scalar(text("SELECT count(*) FROM tickets")) or 0)
    finally:
        await engine.dispose()


def _report(label: str, timings: list[float]) -> None:
    p50, p99 = percentile(timings, 0.5), percentile(timings, 0.99)
    print(f"{label}: p50 {p50:.1f} ms, p99 {p99:.1f} ms, mean {statistics.fmean(timings):.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--renders", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--view", default="all-open")
    parser.add_argument("--reuse", action="store_true", help="keep the last run's database")
    parser.add_argument("--every-view", action="store_true", help="time each view's page too")
    args = parser.parse_args()
    if args.reuse:
        target = make_url(args.url).set(database=DATABASE).render_as_string(hide_password=False)
    else:
        target = asyncio.run(prepare(args.url, args.tickets))
    asyncio.run(
        measure(
            target,
            view=args.view,
            renders=args.renders,
            warmup=args.warmup,
            every_view=args.every_view,
        )
    )


if __name__ == "__main__":
    main()
