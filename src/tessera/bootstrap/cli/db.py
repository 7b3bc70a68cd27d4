"""``tessera db``: apply, revert, inspect and check the schema migrations."""

from __future__ import annotations

from typing import Annotated

import typer

from tessera.bootstrap.cli.running import run_with_container
from tessera.bootstrap.container import Container
from tessera.bootstrap.settings import load_settings
from tessera.infrastructure.persistence.engine import create_engine
from tessera.infrastructure.persistence.migration_lock import MigrationLockedError
from tessera.infrastructure.persistence.migrator import (
    MigrationFailedError,
    Migrator,
    RunOutcome,
)

db_app = typer.Typer(help="Schema migrations.", no_args_is_help=True)


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
        outcome = run_with_container(work)
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
    status = run_with_container(lambda c: _migrator(c).status())
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
    differences = run_with_container(lambda c: _migrator(c).check())
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
