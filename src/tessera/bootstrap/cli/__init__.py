"""The ``tessera`` command: serve, manage the schema, issue tokens."""

from __future__ import annotations

import asyncio
import signal
from typing import Annotated

import typer
import uvicorn

from tessera.bootstrap.cli.admin import dead_letters_app, tokens_app, users_app
from tessera.bootstrap.cli.db import db_app
from tessera.bootstrap.cli.running import run_with_container
from tessera.bootstrap.container import Container
from tessera.bootstrap.events import run_tasks
from tessera.bootstrap.logs import configure_logging
from tessera.bootstrap.settings import load_settings
from tessera.bootstrap.settings.errors import InvalidSettingsError
from tessera.infrastructure.persistence.schema import schema_state
from tessera.infrastructure.waiting import sleep_unless

app = typer.Typer(help="Tessera, the helpdesk backend.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(dead_letters_app, name="dead-letters")


@app.callback()
def _settings_first() -> None:
    """Every command reads the settings first: a bad one is one line naming its variable."""
    try:
        load_settings()
    except InvalidSettingsError as error:
        for problem in error.problems:
            typer.echo(problem, err=True)
        raise typer.Exit(code=2) from None


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address")] = None,
    port: Annotated[int | None, typer.Option(help="Port")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes")] = 1,
) -> None:
    """Serve the HTTP API (development mode migrates the schema first)."""
    settings = load_settings()
    if workers > 1 and not settings.redis_url:
        # Each process has its own L1 cache; without Redis no process hears of another's
        # writes, and reads through the others would stay stale (SPEC §11).
        typer.echo(
            f"tessera serve: --workers {workers} needs TESSERA_REDIS_URL: without Redis each "
            "worker process caches on its own and would serve stale reads after a change "
            "made through another; set TESSERA_REDIS_URL, or run one worker.",
            err=True,
        )
        raise typer.Exit(code=2)
    # Uvicorn's own loggers go through Tessera's handler: JSON in staging and production.
    configure_logging(settings)
    uvicorn.run(
        "tessera.bootstrap.asgi:create_asgi_app",
        factory=True,
        host=host or settings.http.host,
        port=port or settings.http.port,
        workers=workers,
        loop="uvloop",
        http="httptools",
        access_log=False,
        timeout_graceful_shutdown=int(settings.http.graceful_shutdown_seconds),
        log_level=settings.log_level.lower(),
        log_config=None,
    )


@app.command()
def worker() -> None:
    """Run the outbox relay, the event consumers and the periodic jobs until SIGTERM.

    Run as many as you like: relays share the outbox (row locks), and consumers of one group
    share its events. A worker started before `tessera db upgrade` waits for the schema.
    """

    async def work(container: Container) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        while not (await schema_state(container.engine)).at_head:
            print("Waiting for the schema to reach this code's head (tessera db upgrade)...")
            await sleep_unless(stop, 5.0, clock=container.clock)
            if stop.is_set():
                return
        tasks = container.worker_tasks()
        print(f"Worker running: {', '.join(task.name for task in tasks)}.", flush=True)
        await run_tasks(
            tasks,
            stop,
            grace=container.settings.events.shutdown_grace_seconds,
            clock=container.clock,
        )
        print("Worker stopped.", flush=True)

    run_with_container(work)


def main() -> None:
    app()
