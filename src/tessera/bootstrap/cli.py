"""The ``tessera`` command: serve, manage the schema, issue tokens."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
import uvicorn

from tessera.application.consumers.dead_letters import DeadLetterNotFoundError, ReplayFailedError
from tessera.application.tokens.manage_tokens import IssueToken
from tessera.bootstrap.container import Container, build_container
from tessera.bootstrap.events import run_tasks
from tessera.bootstrap.logs import configure_logging
from tessera.bootstrap.settings import load_settings
from tessera.bootstrap.settings_errors import InvalidSettingsError
from tessera.infrastructure.persistence.engine import create_engine
from tessera.infrastructure.persistence.migration_lock import MigrationLockedError
from tessera.infrastructure.persistence.migrator import (
    MigrationFailedError,
    Migrator,
    RunOutcome,
)
from tessera.infrastructure.persistence.schema import schema_state
from tessera.infrastructure.waiting import sleep_unless

app = typer.Typer(help="Tessera, the helpdesk backend.", no_args_is_help=True)
db_app = typer.Typer(help="Schema migrations.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens.", no_args_is_help=True)
dead_letters_app = typer.Typer(help="Events a consumer gave up on.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(tokens_app, name="tokens")
app.add_typer(dead_letters_app, name="dead-letters")

T = TypeVar("T")


@app.callback()
def _settings_first() -> None:
    """Every command reads the settings first: a bad one is one line naming its variable."""
    try:
        load_settings()
    except InvalidSettingsError as error:
        for problem in error.problems:
            typer.echo(problem, err=True)
        raise typer.Exit(code=2) from None


def _run(work: Callable[[Container], Awaitable[T]]) -> T:
    settings = load_settings()
    configure_logging(settings)

    async def main() -> T:
        container = build_container(settings)
        try:
            return await work(container)
        finally:
            await container.close()

    return asyncio.run(main())


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
            await sleep_unless(stop, 5.0)
            if stop.is_set():
                return
        tasks = container.worker_tasks()
        print(f"Worker running: {', '.join(task.name for task in tasks)}.", flush=True)
        await run_tasks(tasks, stop, grace=container.settings.events.shutdown_grace_seconds)
        print("Worker stopped.", flush=True)

    _run(work)


def _migrator(container: Container) -> Migrator:
    def say_waiting() -> None:
        print("Another migration runner holds the lock; waiting for it to finish...")

    return Migrator(container.engine, environment=container.settings.env.value, on_wait=say_waiting)


NoWait = Annotated[
    bool, typer.Option("--no-wait", help="Exit at once if another run holds the lock")
]


def _report(outcome: RunOutcome, verb: str) -> None:
    if outcome.applied:
        print(
            f"{verb} {outcome.from_revision or 'base'} -> {outcome.to_revision or 'base'} "
            f"(run {outcome.run_id})."
        )
    else:
        print(f"Nothing to do: the database is at {outcome.from_revision or 'base'}.")


def _migrate(direction: str, revision: str, no_wait: bool) -> None:
    async def work(container: Container) -> RunOutcome:
        migrator = _migrator(container)
        if direction == "upgrade":
            return await migrator.upgrade(revision, wait=not no_wait)
        return await migrator.downgrade(revision, wait=not no_wait)

    try:
        outcome = _run(work)
    except MigrationLockedError as error:
        print(f"Not migrated: {error}.")
        raise typer.Exit(code=3) from None
    except MigrationFailedError as error:
        print(f"Migration failed; the schema is unchanged: {error.__cause__}")
        raise typer.Exit(code=1) from None
    except ValueError as error:  # an unknown or ambiguous revision
        typer.echo(f"Not migrated: {error}.", err=True)
        raise typer.Exit(code=2) from None
    _report(outcome, "Upgraded" if direction == "upgrade" else "Downgraded")


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument()] = "head", no_wait: NoWait = False
) -> None:
    """Apply migrations up to REVISION (default: head), under the migration lock."""
    _migrate("upgrade", revision, no_wait)


# A relative step such as -1 reads like an option to the parser: unknown options are taken
# as the argument instead (real options such as --no-wait still work).
@db_app.command("downgrade", context_settings={"ignore_unknown_options": True})
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="A revision id, -N (steps back), or base")],
    no_wait: NoWait = False,
) -> None:
    """Revert migrations down to REVISION."""
    _migrate("downgrade", revision, no_wait)


@db_app.command("status")
def db_status() -> None:
    """The database's revision, the code's head, pending revisions and the recent runs."""
    status = _run(lambda c: _migrator(c).status())
    print(f"current: {', '.join(status.current) or '(empty)'}")
    print(f"head:    {', '.join(status.heads)}")
    print(f"pending: {', '.join(status.pending) or '(none)'}")
    print("recent runs:")
    for run in status.runs:
        error = f"  error: {run.error}" if run.error else ""
        print(
            f"  #{run.id} {run.started_at:%Y-%m-%d %H:%M:%S} {run.environment:<11} "
            f"{run.direction:<9} {run.from_revision or 'base'} -> {run.to_revision or 'base'} "
            f"{run.state} on {run.host}{error}"
        )
    if status.pending:
        raise typer.Exit(code=1)


@db_app.command("check")
def db_check() -> None:
    """Fail (exit 1) when the models and the migrations disagree."""
    differences = _run(lambda c: _migrator(c).check())
    if differences:
        print("The models differ from the migrated schema; write a migration:")
        for difference in differences:
            print(f"  {difference}")
        raise typer.Exit(code=1)
    print("Models and migrations agree.")


@db_app.command("sql")
def db_sql(
    revision: Annotated[str, typer.Argument()] = "head",
    start: Annotated[str, typer.Option("--from", help="Starting revision")] = "base",
) -> None:
    """Print the SQL an upgrade would run, for review (nothing is executed)."""
    settings = load_settings()
    engine = create_engine(settings.database.url)
    print(Migrator(engine, environment=settings.env.value).sql(revision, start=start))


@tokens_app.command("create")
def tokens_create(
    role: Annotated[str, typer.Option(help="admin, agent or requester")],
    name: Annotated[str, typer.Option(help="Who holds it")] = "cli",
    email: Annotated[str | None, typer.Option(help="Required for requesters")] = None,
) -> None:
    """Issue a token and print its secret (shown only this once)."""
    command = IssueToken(name=name, role=role, email=email)
    issued = _run(lambda c: c.services.issue_token(command, principal=None))
    print(issued.secret)


@dead_letters_app.command("list")
def dead_letters_list(
    limit: Annotated[int, typer.Option(min=1, max=100)] = 100,
    after: Annotated[int, typer.Option(min=0, help="List those after this id")] = 0,
) -> None:
    """List dead letters: id, consumer, event, attempts, last failure."""
    found = _run(
        lambda c: c.services.list_dead_letters(principal=None, after_id=after, limit=limit)
    )
    for letter in found:
        print(
            f"{letter.id}\t{letter.consumer}\t{letter.event_type}\t{letter.event_id}\t"
            f"{letter.attempts} attempts\t{letter.last_failed_at:%Y-%m-%d %H:%M:%S}\t"
            f"{letter.error}"
        )
    if not found:
        print("No dead letters.")


@dead_letters_app.command("replay")
def dead_letters_replay(dead_letter_id: Annotated[int, typer.Argument(min=1)]) -> None:
    """Hand a dead letter's event to its consumer again (removed once it succeeds)."""
    try:
        letter = _run(lambda c: c.services.replay_dead_letter(dead_letter_id, principal=None))
    except (DeadLetterNotFoundError, ReplayFailedError) as error:
        details = error.details.get("error") if isinstance(error.details, dict) else None
        print(f"Not replayed: {error.message}{f': {details}' if details else ''}.")
        raise typer.Exit(code=1) from None
    print(f"Replayed {letter.event_type} {letter.event_id} to {letter.consumer}.")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
